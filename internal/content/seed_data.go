package content

// The demo site: Ember & Oat, a small bakery and coffee roaster. Bodies are
// assembled deterministically from each post's own lead and the category's
// paragraphs below (see demoBody), so the text reads naturally without
// being stored thirty times.

type demoTerm struct{ slug, name, desc string }

var demoCategories = []demoTerm{
	{"coffee", "Coffee", "Roasting, brewing and everything that happens between the green bean and the cup."},
	{"baking", "Baking", "Bread, pastry and the early mornings that go into them."},
	{"recipes", "Recipes", "Things to make at home, tested in our kitchen first."},
	{"origins", "Origins & Travel", "Visits to the farms and washing stations our coffee comes from."},
	{"shop-news", "Shop News", "Opening hours, new menus and what is changing at the shop."},
	{"community", "Community", "Workshops, markets, donations and the people around the counter."},
}

var demoTags = []demoTerm{
	{"espresso", "Espresso", ""}, {"pour-over", "Pour-over", ""}, {"cold-brew", "Cold brew", ""},
	{"brewing-guide", "Brewing guide", ""}, {"single-origin", "Single origin", ""},
	{"ethiopia", "Ethiopia", ""}, {"colombia", "Colombia", ""}, {"guatemala", "Guatemala", ""},
	{"sourdough", "Sourdough", ""}, {"rye", "Rye", ""}, {"croissant", "Croissant", ""}, {"pastry", "Pastry", ""},
	{"seasonal", "Seasonal", ""}, {"holiday", "Holiday", ""}, {"behind-the-scenes", "Behind the scenes", ""},
	{"sustainability", "Sustainability", ""}, {"events", "Events", ""}, {"workshop", "Workshop", ""},
}

// demoPost is one seeded post. age is how many days before now it was
// published (or, for unpublished ones, last touched); for scheduled posts it
// is negative: days until publication.
type demoPost struct {
	title    string
	status   string // draft, pending, scheduled, published, trash:<from>
	age      int
	featured bool
	cats     []string
	tags     []string
	lead     string
	extra    string // optional Markdown block (a list, a recipe) after the lead
}

var demoPosts = []demoPost{
	{"Why We Roast on Tuesdays", "published", 402, false, []string{"coffee"}, []string{"behind-the-scenes", "espresso"},
		"People ask why the roaster only runs on Tuesdays and Fridays. The short answer is that coffee needs a few days to rest, and our week is built around that.", ""},
	{"A Beginner's Guide to Pour-Over at Home", "published", 390, true, []string{"coffee", "recipes"}, []string{"pour-over", "brewing-guide"},
		"You do not need a gooseneck kettle and a scale accurate to a tenth of a gram to make a very good cup. You need fresh coffee, a grinder, and a little patience.",
		"## What you need\n\n- 15 g of coffee, ground like coarse sea salt\n- 250 g of water just off the boil\n- A paper filter, rinsed\n\n## Method\n\n1. Bloom the grounds with 40 g of water and wait thirty seconds.\n2. Pour the rest in slow circles, finishing by the two-minute mark.\n3. Let it drain; the whole brew should take about three minutes."},
	{"Dialing In Espresso: Notes from the Bar", "published", 371, false, []string{"coffee"}, []string{"espresso", "brewing-guide"},
		"Every morning starts with the same ritual: the first shots of the day go down the sink while we taste, adjust the grinder, and taste again.",
		"Our starting recipe for the house blend is **18 g in, 38 g out, in 28 to 32 seconds**. If it tastes sour, grind finer; if it tastes bitter and hollow, grind coarser."},
	{"Cold Brew Without the Bitterness", "published", 352, false, []string{"coffee", "recipes"}, []string{"cold-brew", "brewing-guide", "seasonal"},
		"Cold brew has a reputation for tasting flat and muddy. Most of that comes from steeping too long and grinding too fine.",
		"## Our ratio\n\n- 100 g of coarsely ground coffee\n- 1 litre of cold, filtered water\n- 14 hours in the fridge, then strain twice\n\nDilute one to one with water or milk over ice."},
	{"What \"Single Origin\" Actually Means", "published", 333, false, []string{"coffee"}, []string{"single-origin"},
		"The label on the bag says single origin, but that phrase can mean a whole country, a region, a cooperative of a thousand farmers or one family's hillside.", ""},
	{"The Decaf That Changed Our Minds", "published", 318, false, []string{"coffee"}, []string{"single-origin", "colombia"},
		"For years our decaf was an afterthought. Then a sugarcane-processed lot from Colombia arrived and we served it blind to the whole team. Nobody guessed.", ""},
	{"Our Sourdough Starter Turns Ten", "published", 300, true, []string{"baking"}, []string{"sourdough", "behind-the-scenes"},
		"Ten years ago, in a borrowed kitchen, we mixed flour and water in a jam jar and hoped for the best. That jar's descendants still raise every loaf we sell.", ""},
	{"The 4 a.m. Shift: A Day in the Bakery", "published", 284, false, []string{"baking"}, []string{"behind-the-scenes"},
		"The ovens go on at four. By the time the first customer knocks on the glass at seven, we have already shaped, proofed and baked about two hundred loaves.", ""},
	{"Laminating Dough in a Warm Kitchen", "published", 266, false, []string{"baking"}, []string{"croissant", "pastry"},
		"Croissant dough is a negotiation between butter and flour, and in July the butter always wants to win.", ""},
	{"Rye Bread for People Who Think They Don't Like Rye", "published", 249, false, []string{"baking", "recipes"}, []string{"rye", "sourdough"},
		"Dense, sour and faintly of caraway: that is what most people picture. Our light rye is none of those things, and it makes the best toast in the shop.",
		"## Ingredients\n\n- 300 g bread flour\n- 200 g light rye flour\n- 100 g active sourdough starter\n- 360 g water\n- 10 g salt\n- A spoonful of honey\n\nMix everything but the salt, rest an hour, add the salt, then fold every half hour for two hours. Shape, proof overnight in the fridge, and bake at 240 °C in a covered pot."},
	{"Cardamom Buns, Step by Step", "published", 231, true, []string{"recipes"}, []string{"pastry", "seasonal"},
		"These are the buns that sell out first on Saturdays. The secret is grinding the cardamom fresh, right before it goes into the butter.",
		"## Filling\n\n- 120 g soft butter\n- 90 g light brown sugar\n- 2 tsp freshly ground cardamom\n\nRoll the dough into a rectangle, spread the filling over it, fold in thirds, cut into strips and twist each strip into a knot. Brush with egg and bake at 200 °C for 12 to 14 minutes."},
	{"Brown Butter Banana Bread", "published", 214, false, []string{"recipes"}, nil,
		"Every bakery has a way to use up bananas. Ours involves browning the butter until it smells of hazelnuts.",
		"- 3 very ripe bananas\n- 115 g butter, browned and cooled\n- 150 g brown sugar\n- 2 eggs\n- 220 g flour, 1 tsp baking soda, a pinch of salt\n\nBake at 175 °C for about an hour, until a skewer comes out clean."},
	{"Weekend Focaccia with Whatever's in the Garden", "published", 197, false, []string{"recipes", "baking"}, []string{"seasonal"},
		"Focaccia is forgiving, which is why it is the first bread we teach. Press whatever is growing into the top: cherry tomatoes, rosemary, thin slices of courgette.", ""},
	{"Olive Oil Cake with Orange and Thyme", "published", 180, false, []string{"recipes"}, []string{"pastry"},
		"This cake keeps for days, gets better on the second, and tastes like a Sunday afternoon somewhere warmer than here.", ""},
	{"Ginger Molasses Cookies for Short Days", "published", 163, false, []string{"recipes"}, []string{"holiday", "seasonal"},
		"When it is dark by half past four, we bake these: chewy, crackled on top, and warm with ginger, cinnamon and black pepper.", ""},
	{"Visiting the Washing Stations of Yirgacheffe", "published", 146, true, []string{"origins"}, []string{"ethiopia", "single-origin", "sustainability"},
		"In November we spent a week in southern Ethiopia with the cooperative that grows our favourite washed coffee. These are some notes from that trip.", ""},
	{"Harvest Season in Huila", "published", 131, false, []string{"origins"}, []string{"colombia"},
		"The road up to the farm is steep enough that the pickers walk it faster than our rented car could drive it.", ""},
	{"Three Days in Antigua with Our Guatemalan Importer", "published", 117, false, []string{"origins"}, []string{"guatemala"},
		"Antigua sits between three volcanoes, and on clear mornings you can see a plume of smoke rising from Fuego while you drink your first cup.", ""},
	{"What Direct Trade Means for Us (and What It Doesn't)", "published", 103, false, []string{"origins"}, []string{"sustainability"},
		"We avoid the phrase direct trade on our bags, even though we buy most of our coffee from people we know by name. Here is why.", ""},
	{"Photographs from the Drying Beds", "published", 92, false, []string{"origins"}, []string{"ethiopia"},
		"A handful of pictures from the raised beds where cherries dry for three weeks in the sun, turned by hand every hour.",
		"> The colour changes from red to deep burgundy to almost black. You learn to read the beds like a clock."},
	{"We're Extending Our Saturday Hours", "published", 81, false, []string{"shop-news"}, nil,
		"Starting next month the shop will stay open until four on Saturdays, two hours later than before.", ""},
	{"New Seasonal Menu: Autumn", "published", 70, false, []string{"shop-news"}, []string{"seasonal"},
		"Pear and ginger danishes, a spiced oat latte that does not taste like a candle, and the return of the rye porridge bowl.", ""},
	{"Introducing Our Compostable Bags", "published", 61, false, []string{"shop-news"}, []string{"sustainability"},
		"After two years of testing, our retail coffee now ships in bags that go into your garden compost, valve and all.", ""},
	{"Meet Priya, Our New Head Baker", "published", 52, false, []string{"shop-news"}, []string{"behind-the-scenes"},
		"Priya joined us from a bakery in Lyon, where she spent six years on the laminating bench. She has opinions about butter, and they are correct.", ""},
	{"Holiday Pre-Orders Are Open", "published", 43, false, []string{"shop-news"}, []string{"holiday"},
		"Stollen, panettone and the cardamom wreath are back. Pre-orders close on the 18th, and collection runs from the 21st to the 24th.", ""},
	{"Our Second Espresso Machine Has Arrived", "published", 35, false, []string{"shop-news"}, []string{"espresso"},
		"Queues on Saturday mornings should get shorter: a second two-group machine now sits at the end of the counter.", ""},
	{"Bread Donations: A Year in Numbers", "published", 28, false, []string{"community"}, []string{"sustainability"},
		"Every evening, whatever bread is left goes to the night shelter on Mill Street. We counted for a year.",
		"| Month | Loaves donated |\n|---|---|\n| January | 312 |\n| April | 288 |\n| July | 241 |\n| October | 330 |"},
	{"Latte Art Throwdown Recap", "published", 21, false, []string{"community"}, []string{"events", "espresso"},
		"Sixteen baristas, one steam wand, and a judge who insisted every tulip had to have at least five layers.", ""},
	{"Home Baking Workshop: Spring Dates", "published", 14, false, []string{"community"}, []string{"workshop", "events", "sourdough"},
		"Our three-hour sourdough workshop is back, with new dates in March and April. You leave with a loaf, a jar of starter and flour on your sleeves.", ""},
	{"The Farmers' Market Stall Returns", "published", 9, false, []string{"community"}, []string{"events", "seasonal"},
		"From the first Saturday of May you will find us at the farmers' market again, between the cheese van and the man who sells forty kinds of chilli.", ""},
	{"Notes from a Cupping with Our Regulars", "published", 4, false, []string{"coffee", "community"}, []string{"events", "single-origin"},
		"Last Thursday twelve regulars joined us after closing to taste five coffees side by side, spoons and all.", ""},
	{"Why We Stopped Selling Flavoured Syrups", "draft", 3, false, []string{"coffee", "shop-news"}, nil,
		"This one will be unpopular with some of you, so we want to explain it properly before the syrups disappear from the counter.", ""},
	{"Spring Workshop Recap", "draft", 1, false, []string{"community"}, []string{"workshop"},
		"Notes for the recap post: photos from both sessions, the starter-naming contest, and what we will change next time.", ""},
	{"Croissant Troubleshooting Guide", "pending", 2, false, []string{"baking"}, []string{"croissant", "pastry"},
		"Greasy layers, a bready crumb, butter leaking onto the tray: here is what each one means and how to fix it.", ""},
	{"Kitchen Scales, Ranked", "pending", 5, false, []string{"coffee"}, []string{"brewing-guide"},
		"We tested seven kitchen scales for brewing and baking, from the cheapest one at the supermarket to the one that costs as much as a grinder.", ""},
	{"Winter Blend Tasting Notes", "scheduled", -3, false, []string{"coffee"}, []string{"seasonal"},
		"This year's winter blend pairs a washed Ethiopian with a natural Guatemalan: dark chocolate, dried cherry and a little clove.", ""},
	{"Valentine's Day Pastry Box", "scheduled", -10, false, []string{"shop-news"}, []string{"holiday", "pastry"},
		"Two raspberry croissants, two chocolate tarts and a bag of the house blend, boxed and tied with string.", ""},
	{"Summer Cold Brew Kits", "trash:draft", 40, false, []string{"shop-news"}, []string{"cold-brew"},
		"A draft about cold brew kits we decided not to sell after all.", ""},
	{"Old Opening Hours", "trash:published", 75, false, []string{"shop-news"}, nil,
		"These were our opening hours until the Saturday extension. Kept here for reference.", ""},
}

// demoParagraphs holds each category's paragraphs; demoBody picks a few.
var demoParagraphs = map[string][]string{
	"coffee": {
		"Freshly roasted coffee is full of carbon dioxide. Brew it the day it comes out of the roaster and the gas pushes water away from the grounds, so the cup tastes sharp and thin. After three or four days the flavours settle and open up, and by the second week most of our coffees are at their best.",
		"We roast in small batches of twelve kilos on a machine older than most of our staff. It has no touch screen and no automatic profiles, only a thermometer, a flame dial and a logbook full of pencil notes. That logbook is the closest thing we have to a secret recipe.",
		"Grind size matters more than any other variable you control at home. If you change one thing at a time, start there: a step finer when the cup tastes sour and weak, a step coarser when it tastes bitter and drying. Write down what you did, because you will not remember next week.",
		"Water is ninety-eight percent of a cup of coffee, and it is the part people think about least. Our town's water is hard, so we filter it at the shop. At home, a simple jug filter makes a difference you can taste.",
		"Light roasts are not automatically sour and dark roasts are not automatically strong. Roast level shifts the balance between acidity, sweetness and bitterness, but a well-developed light roast should taste sweet, like ripe fruit rather than lemon juice.",
		"We taste every batch the day after roasting, side by side with the previous one. If something is off we would rather pull a batch from the shelf than sell a bag we would not drink ourselves.",
	},
	"baking": {
		"Good bread is mostly time. Our dough ferments slowly in the cold for up to eighteen hours, which gives the yeast and bacteria a chance to turn plain flour into something that tastes of nuts, caramel and a faint, pleasant sourness.",
		"We buy our flour from a mill two valleys over, where the same family has been grinding grain since the 1920s. Their stoneground wholemeal behaves differently with every harvest, so each autumn we spend a week adjusting hydration until the loaves feel right again.",
		"Shaping is the step that takes longest to learn. The dough has to be tight enough to hold its shape in the oven but not so tight that the surface tears. New bakers shape a few hundred loaves before their hands stop fighting the dough.",
		"Steam is what gives a loaf its blistered, crackling crust. In the deck oven we inject it for the first ten minutes; at home, a lidded cast-iron pot traps the loaf's own moisture and does the same job.",
		"Nothing in the bakery is wasted. Yesterday's bread becomes breadcrumbs, croutons and the bread pudding that sells out by noon, and the last few loaves of the day go to the shelter down the road.",
		"Butter for pastry has to be cold but pliable, which in practice means it spends its life moving between the fridge and the bench. On hot days we laminate before dawn, while the kitchen is still cool.",
	},
	"recipes": {
		"Weigh your ingredients if you can. Cups and spoons are fine for soup, but in baking a few grams of flour either way changes the texture, and a scale costs less than a bag of good coffee.",
		"Every oven lies a little. An inexpensive oven thermometer will tell you how much yours does, and it is the easiest way to stop blaming the recipe for a cake that sank.",
		"If you make this, we would love to see how it turned out. Bring a slice to the counter and we will trade you a coffee for it.",
		"Most of these recipes scale down well. Halve everything except the salt and spices, which you should reduce by a little less than half, and check for doneness a few minutes early.",
	},
	"origins": {
		"The cooperative has more than eight hundred members, most of whom farm less than two hectares. Cherries are delivered by hand to the washing station each afternoon, weighed, paid for, and sorted before dark.",
		"Coffee grows best between fifteen hundred and two thousand metres, where cool nights slow the ripening of the cherries. Slower ripening means denser beans and more complex flavour, which is why the best farms are also the hardest to reach.",
		"We pay a premium well above the market price, agreed before the harvest and published on every bag. It is not charity: better prices let farmers invest in picking only ripe cherries, and that is exactly what we want to buy.",
		"The most useful thing we did on the trip was listen. Several farmers told us the same thing: a fair price matters, but knowing a buyer will come back next year matters more.",
		"Processing shapes flavour as much as variety or altitude. Washed coffees tend to taste clean and bright; naturals, dried whole in their cherry, are heavier, fruitier and sometimes a little wild.",
		"We came home with notebooks full of names and numbers, and a reminder that every bag on our shelf is somebody's whole year of work.",
	},
	"shop-news": {
		"As always, the shop is at 14 Harbour Lane, a minute from the bus station. Dogs are welcome, laptops are welcome until noon, and there is a tap for refilling water bottles by the door.",
		"If you have questions, ask at the counter or write to us at hello@emberandoat.example. We read everything, though replies can take a day or two in the busy weeks before the holidays.",
		"Thank you for putting up with the queues, the sold-out signs and the occasional burnt batch while we figure things out. A small shop only works because of the people who keep coming back.",
		"Wholesale customers will get a separate email with the details. Nothing changes for existing orders.",
		"We will post updates here and on the board by the till, which remains the most reliable way to find out what is going on.",
	},
	"community": {
		"Events at the shop are free unless we say otherwise, and there is always coffee. Spaces are limited by how many people fit around the big table, which is about twenty if everyone is friendly.",
		"None of this would happen without the people who turn up: the regulars who help stack chairs, the neighbours who lend us trestle tables, and the kids who judge the cookie decorating with terrifying seriousness.",
		"We try to keep our doors open to the groups that need a room: the knitting circle on Mondays, the language exchange on Wednesdays, and the parents' morning on Fridays.",
		"If you run a local group and need a space for an evening, ask. The answer is usually yes, and the coffee is usually free.",
		"Photos from the day are up on the board by the window. If you are in one and would rather not be, tell us and it comes down, no questions asked.",
	},
}

var demoClosings = []string{
	"See you at the counter.",
	"As always, questions and corrections are welcome in the comments.",
	"More soon, once the flour has settled.",
	"Thanks for reading, and for drinking our coffee.",
	"If you try any of this at home, tell us how it went.",
}

type demoPage struct {
	slug, title, status, parent, body string
}

var demoPages = []demoPage{
	{"about", "About Ember & Oat", "published", "",
		"Ember & Oat is a small bakery and coffee roaster on Harbour Lane. We opened in a former bicycle workshop with one oven, one roaster and far too much optimism, and we have been baking bread and roasting coffee there ever since.\n\nEverything we sell is made on site: sourdough and rye from a starter that is older than the shop, laminated pastry from cultured butter, and coffee roasted twice a week in small batches from farms we visit.\n\n## Who we are\n\nWe are a team of eleven bakers, roasters and baristas. Some of us have been here since the first day; some joined last month. All of us would rather talk about flour than almost anything else.\n\n## How we work\n\nWe pay our growers a published premium, donate the bread we do not sell, and ship our coffee in compostable bags. We do not always get it right, and when we do not we say so on this blog."},
	{"contact", "Contact", "published", "",
		"The quickest way to reach us is in person: the shop is at **14 Harbour Lane** and someone is always at the counter.\n\n- Email: hello@emberandoat.example\n- Phone: +44 1632 960 123 (during opening hours)\n- Wholesale: wholesale@emberandoat.example\n\nFor press and collaborations, email is best. We answer within two working days."},
	{"opening-hours", "Opening Hours", "published", "contact",
		"| Day | Hours |\n|---|---|\n| Monday – Friday | 7:00 – 15:00 |\n| Saturday | 8:00 – 16:00 |\n| Sunday | 9:00 – 13:00 |\n\nWe close for a week after New Year to deep-clean the ovens and service the roaster. Closures are posted on the blog and on the door."},
	{"wholesale", "Wholesale", "published", "",
		"We supply bread, pastry and coffee to a handful of cafés, restaurants and offices within twenty miles of the shop.\n\nCoffee is roasted to order on Tuesdays and Fridays and delivered within two days. Bread orders placed by noon are delivered the next morning.\n\nWe also train your staff: every new wholesale coffee customer gets a morning on our bar with our head barista, and a visit to dial in your grinder.\n\nWrite to wholesale@emberandoat.example with what you need and we will send you a price list."},
	{"careers", "Work With Us", "draft", "",
		"We are looking for an early-morning baker, four days a week. Experience with sourdough helps; a willingness to be cheerful at 4 a.m. matters more.\n\nTo apply, drop in with a CV or write to us. Details of pay and hours to follow."},
}

// demoComment is one seeded comment; reply is the index (in the same post's
// list) of the comment it answers, -1 for none. staff marks comments
// written by the site's user.
type demoComment struct {
	name, email, url string
	staff            bool
	status           string
	reply            int
	body             string
}

// demoComments are attached to published posts by index into demoPosts.
var demoComments = map[int][]demoComment{
	0: {
		{"Hannah Weiss", "hannah@example.org", "", false, "approved", -1, "I never knew coffee needed to rest! That explains why my bag tasted better on day five than day one."},
		{"", "", "", true, "approved", 0, "Exactly that. Most of our coffees peak somewhere between day five and day fourteen."},
		{"Tom Okafor", "tom.okafor@example.net", "", false, "approved", 1, "Does the same apply to espresso? I thought it was the opposite."},
		{"", "", "", true, "approved", 2, "Espresso usually wants a little longer, around a week to ten days, because the extra gas makes shots gush."},
	},
	1: {
		{"Lucía Ferrer", "lucia@example.com", "https://lucia.example.com", false, "approved", -1, "Made this with a cheap plastic dripper and it was the best coffee I have had at home. Thank you."},
		{"Marcus", "marcus@example.org", "", false, "approved", -1, "What grinder would you recommend on a budget?"},
		{"", "", "", true, "approved", 1, "A hand grinder with steel burrs is the best value. Anything with a proper burr beats a blade grinder by miles."},
		{"Cheap Watches Online", "sales@spam.example", "http://cheap-watches.example", false, "spam", -1, "Great post!!! Visit our website for the best replica watches at discount prices."},
	},
	2: {
		{"Jonas", "jonas@example.de", "", false, "approved", -1, "28 to 32 seconds seems long. Is that from first drip or from pressing the button?"},
		{"", "", "", true, "approved", 0, "From pressing the button. We count pre-infusion in the time."},
	},
	6: {
		{"Aisha Rahman", "aisha@example.com", "", false, "approved", -1, "Happy birthday to the starter! Any chance you would sell a little of it?"},
		{"", "", "", true, "approved", 0, "We give it away for free, just bring a clean jar."},
		{"Peter", "peter@example.org", "", false, "pending", -1, "Is the starter fed with rye or wheat flour?"},
	},
	10: {
		{"Greta L.", "greta@example.se", "", false, "approved", -1, "As a Swede, I approve of these buns. Freshly ground cardamom is the only way."},
		{"Noah", "noah@example.com", "", false, "approved", 0, "Agreed, and a little salt in the filling helps too."},
		{"SEO Experts", "seo@spam.example", "http://rank-fast.example", false, "spam", -1, "We can get your bakery to the first page of Google in 7 days, guaranteed."},
		{"Ruth", "ruth@example.net", "", false, "pending", -1, "Could I make the dough the night before and bake in the morning?"},
	},
	15: {
		{"Daniel Mekonnen", "daniel@example.et", "", false, "approved", -1, "Lovely to see the cooperative featured. My family is from near Yirgacheffe."},
		{"", "", "", true, "approved", 0, "Thank you, Daniel. It was one of the most generous places we have ever visited."},
		{"Anonymous", "troll@example.com", "", false, "trash", -1, "Nobody cares about your holiday."},
	},
	22: {
		{"Sam", "sam@example.org", "", false, "approved", -1, "Do the bags really compost in a home bin? Mine never gets very hot."},
		{"", "", "", true, "approved", 0, "They take longer in a cool bin, around six months rather than three, but they do break down."},
	},
	27: {
		{"Ines", "ines@example.pt", "", false, "approved", -1, "Congrats to the winner! That swan was unreal."},
		{"Free Crypto", "crypto@spam.example", "http://free-coins.example", false, "spam", -1, "Earn 500% returns with our crypto bot, click here."},
	},
	28: {
		{"Olivia", "olivia@example.com", "", false, "pending", -1, "Is there a waiting list if the April date is full?"},
		{"Ben Carter", "ben@example.co.uk", "", false, "approved", -1, "Did the workshop last year and still have the starter. Highly recommended."},
		{"", "", "", true, "approved", 1, "That makes us very happy, Ben. What have you named it?"},
		{"Ben Carter", "ben@example.co.uk", "", false, "approved", 2, "Doughlores. My kids chose."},
	},
	30: {
		{"Mei", "mei@example.com", "", false, "approved", -1, "The Guatemalan was my favourite by far. Will it be on the shelf soon?"},
		{"Duplicate", "mei@example.com", "", false, "trash", -1, "The Guatemalan was my favourite by far."},
	},
}
