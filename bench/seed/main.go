// Command seed fills a Portico SQLite database with generated posts
// through the store (the same code path the application writes with), for
// the search benchmark. With -search it instead times the benchmark's
// search queries (queries.jsonl) in process against such a database.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/portico-mcp/portico/internal/store"
	"github.com/portico-mcp/portico/internal/store/sqlite"
)

// words is the vocabulary of the generated posts; the search workload
// queries a few of them.
var words = strings.Fields(`coffee garden autumn bread river mountain notebook kettle lantern harbor
orchard meadow pottery bicycle library window candle marmalade biscuit sourdough compost tomato basil
thyme rosemary lavender cedar willow heron otter badger falcon sparrow thunder drizzle frost harvest
market bakery festival recipe journey weekend morning evening midnight sunrise lighthouse village
cottage fireplace blanket teapot porridge cinnamon nutmeg saffron chestnut walnut hazelnut maple`)

func main() {
	path := flag.String("db", "", "SQLite file (created and migrated if needed)")
	n := flag.Int("n", 100000, "posts to create")
	search := flag.Bool("search", false, "time the search queries in process instead of seeding")
	rounds := flag.Int("rounds", 20, "with -search: runs of every query")
	cpuprofile := flag.String("cpuprofile", "", "with -search: write a CPU profile of the timed runs")
	only := flag.String("only", "", "with -search: only the query lines containing this text")
	flag.Parse()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, *path)
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
	if *search {
		if err := searchBench(ctx, st, *rounds, *cpuprofile, *only); err != nil {
			log.Fatal(err)
		}
		return
	}
	// Seeding speed only: the benchmark server reopens the file with the
	// normal fully synced settings.
	if _, err := st.Writer().ExecContext(ctx, `PRAGMA synchronous=OFF`); err != nil {
		log.Fatal(err)
	}
	u, err := st.CreateUser(ctx, store.User{Email: "seed-author@example.com", Name: "Seed Author", Role: store.RoleAuthor})
	if err != nil {
		log.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	// Word frequencies follow Zipf's law over a 20,000-word vocabulary, like
	// prose: the named words above are ranks 300..379 (frequent but not stop
	// words, each in a few per cent of posts), the rest synthetic.
	vocab := make([]string, 20000)
	for i := range vocab {
		vocab[i] = fmt.Sprintf("w%x", i*2654435761%1000003)
	}
	copy(vocab[300:], words)
	zipf := rand.NewZipf(r, 1.07, 2, uint64(len(vocab)-1))
	text := func(k int) string {
		var b strings.Builder
		for i := range k {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(vocab[zipf.Uint64()])
		}
		return b.String()
	}
	t0 := time.Now()
	base := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range *n {
		title := text(5)
		at := base.Add(time.Duration(i) * time.Minute)
		// Mostly published posts; one in ten a page and one in eight a
		// draft, so that the type and status filters of the search
		// queries select a minority. (The texts do not depend on these.)
		typ, status, pub := store.TypePost, store.StatusPublished, at
		if i%10 == 3 {
			typ = store.TypePage
		}
		if i%8 == 5 {
			status, pub = store.StatusDraft, time.Time{}
		}
		_, err := st.CreatePost(ctx, store.Post{Type: typ, Slug: fmt.Sprintf("seed-%d", i), Title: title,
			Body: text(60) + ".\n\n" + text(60) + ".", Excerpt: text(20), Status: status,
			AuthorID: u.ID, CreatedAt: at, ModifiedAt: at, PublishedAt: pub})
		if err != nil {
			log.Fatal(err)
		}
	}
	fmt.Printf("seeded %d posts in %.1fs\n", *n, time.Since(t0).Seconds())
}
