package mcpserver

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/portico-mcp/portico/internal/content"
	"github.com/portico-mcp/portico/internal/store"
)

// Resource URIs. Posts and pages are addressed by id through URI templates;
// the site description is one fixed resource.
const (
	siteResourceURI = "portico://site"
	postTemplate    = "portico://posts/{id}"
	pageTemplate    = "portico://pages/{id}"
)

func (h *Handler) addResources(s *mcp.Server) {
	s.AddResource(&mcp.Resource{
		URI: siteResourceURI, Name: "site", Title: "Site information",
		Description: "The site's title, tagline, public URL, time zone and language, as JSON.",
		MIMEType:    "application/json",
	}, h.readSite)
	s.AddResourceTemplate(&mcp.ResourceTemplate{
		URITemplate: postTemplate, Name: "post", Title: "Post",
		Description: "A post as Markdown with a YAML-like header (title, status, url).",
		MIMEType:    "text/markdown",
	}, h.readPost(store.TypePost))
	s.AddResourceTemplate(&mcp.ResourceTemplate{
		URITemplate: pageTemplate, Name: "page", Title: "Page",
		Description: "A page as Markdown with a YAML-like header (title, status, url).",
		MIMEType:    "text/markdown",
	}, h.readPost(store.TypePage))
}

func (h *Handler) readSite(ctx context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
	i, err := h.Content.SiteInfo(ctx)
	if err != nil {
		return nil, fmt.Errorf("read site info: %w", err)
	}
	body, err := marshalJSON(viewSite(i))
	if err != nil {
		return nil, fmt.Errorf("encode site info: %w", err)
	}
	return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{URI: siteResourceURI, MIMEType: "application/json", Text: string(body)}}}, nil
}

func (h *Handler) readPost(typ store.PostType) mcp.ResourceHandler {
	return func(ctx context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
		uri := req.Params.URI
		prefix := "portico://posts/"
		if typ == store.TypePage {
			prefix = "portico://pages/"
		}
		id, err := strconv.ParseInt(strings.TrimPrefix(uri, prefix), 10, 64)
		if err != nil || !strings.HasPrefix(uri, prefix) || id <= 0 {
			return nil, mcp.ResourceNotFoundError(uri)
		}
		a, err := h.actorFor(ctx)
		if err != nil {
			return nil, err
		}
		p, err := h.Content.GetPost(ctx, a, id)
		if err != nil || p.Type != typ {
			if err == nil || content.KindOf(err) == content.KindNotFound {
				return nil, mcp.ResourceNotFoundError(uri)
			}
			if ce := content.AsError(err); ce != nil {
				return nil, fmt.Errorf("%s", ce.Message)
			}
			return nil, fmt.Errorf("read %s: %w", uri, err)
		}
		var b strings.Builder
		fmt.Fprintf(&b, "---\ntitle: %s\nstatus: %s\n", p.Title, p.Status)
		if p.URL != "" {
			fmt.Fprintf(&b, "url: %s\n", p.URL)
		}
		b.WriteString("---\n\n")
		text, _ := sliceChars(p.Body, 0, maxBodyChars)
		b.WriteString(text)
		return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{URI: uri, MIMEType: "text/markdown", Text: b.String()}}}, nil
	}
}
