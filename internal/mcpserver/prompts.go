package mcpserver

import (
	"context"
	"fmt"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// addPrompts registers the prompts whose tools the token may use.
func (h *Handler) addPrompts(s *mcp.Server, m scopeMask) {
	if m.has(maskWrite) {
		s.AddPrompt(&mcp.Prompt{
			Name: "draft_post_from_notes", Title: "Draft a post from notes",
			Description: "Turn rough notes into a well-structured draft post, saved as a draft for review.",
			Arguments: []*mcp.PromptArgument{
				{Name: "notes", Description: "the notes, in any form", Required: true},
				{Name: "tone", Description: "optional tone, e.g. friendly, formal"},
			},
		}, func(ctx context.Context, req *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
			notes := strings.TrimSpace(req.Params.Arguments["notes"])
			if notes == "" {
				return nil, fmt.Errorf("argument %q is required", "notes")
			}
			tone := req.Params.Arguments["tone"]
			if tone == "" {
				tone = "clear and friendly"
			}
			return userPrompt("Draft a post from notes", fmt.Sprintf(
				"Write a blog post from the notes below, in a %s tone, in Markdown with a title, a short excerpt and sensible headings. "+
					"Check list_categories and list_tags and reuse existing ones. Save it with create_post as a draft (do not publish), "+
					"then show me the title, excerpt and id.\n\nNotes:\n%s", tone, notes)), nil
		})
	}
	s.AddPrompt(&mcp.Prompt{
		Name: "summarise_recent_activity", Title: "Summarise recent activity",
		Description: "Summarise what changed on the site recently: posts, pages and comments.",
		Arguments:   []*mcp.PromptArgument{{Name: "days", Description: "how many days back (default 7)"}},
	}, func(ctx context.Context, req *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
		days := req.Params.Arguments["days"]
		if days == "" {
			days = "7"
		}
		return userPrompt("Summarise recent activity", fmt.Sprintf(
			"Use get_site_stats (recent: 20) and list_posts to summarise what happened on the site in the last %s days: "+
				"what was published, what is waiting in drafts or review, and new comments. Keep it short and link published posts by url.", days)), nil
	})
	if m.has(maskPublish) {
		s.AddPrompt(&mcp.Prompt{
			Name: "moderate_pending_comments", Title: "Moderate pending comments",
			Description: "Review comments waiting for moderation and propose approve / spam / trash for each.",
		}, func(ctx context.Context, req *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
			return userPrompt("Moderate pending comments",
				"List pending comments with list_comments (status: [\"pending\"]). For each, propose approve, spam or trash with a one-line reason. "+
					"Ask me to confirm before calling moderate_comment."), nil
		})
	}
}

func userPrompt(description, text string) *mcp.GetPromptResult {
	return &mcp.GetPromptResult{
		Description: description,
		Messages:    []*mcp.PromptMessage{{Role: "user", Content: &mcp.TextContent{Text: text}}},
	}
}
