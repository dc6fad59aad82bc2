package content

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/portico-mcp/portico/internal/store"
)

// MaxTermDescriptionLen bounds a term's description, in characters.
const MaxTermDescriptionLen = 1000

// NewTerm is the input of CreateTerm. Slug is optional.
type NewTerm struct {
	Taxonomy    store.Taxonomy
	Name        string
	Slug        string
	Description string
}

func validTaxonomy(tax store.Taxonomy) error {
	if tax != store.TaxCategory && tax != store.TaxTag {
		return invalidf("taxonomy", "taxonomy %q is not valid; use category or tag", tax)
	}
	return nil
}

// ListTerms returns the categories or tags, with Count set to the number of
// published posts using each. Anyone who may read content may list them.
func (s *Service) ListTerms(ctx context.Context, a Actor, tax store.Taxonomy) ([]store.Term, error) {
	if err := Check(a, CapRead, 0); err != nil {
		return nil, err
	}
	if err := validTaxonomy(tax); err != nil {
		return nil, err
	}
	ts, err := s.Store.ListTerms(ctx, tax)
	if err != nil {
		return nil, fmt.Errorf("content: list %s terms: %w", tax, err)
	}
	return ts, nil
}

// CreateTerm creates a category or tag. Without a slug one is made from the
// name, made unique with -2, -3, ...; a term of the same name that already
// exists is a KindConflict. It needs CapManageTerms (editors, content:write).
func (s *Service) CreateTerm(ctx context.Context, a Actor, in NewTerm) (store.Term, error) {
	if err := Check(a, CapManageTerms, 0); err != nil {
		return store.Term{}, err
	}
	if err := validTaxonomy(in.Taxonomy); err != nil {
		return store.Term{}, err
	}
	t := store.Term{Taxonomy: in.Taxonomy, Name: strings.TrimSpace(in.Name), Description: strings.TrimSpace(in.Description)}
	switch {
	case t.Name == "":
		return store.Term{}, invalidf("name", "name must not be empty")
	case !utf8.ValidString(t.Name) || hasControl(t.Name, false):
		return store.Term{}, invalidf("name", "name must be one line of valid UTF-8 text")
	case utf8.RuneCountInString(t.Name) > MaxTermNameLen:
		return store.Term{}, invalidf("name", "name is %d characters long; the limit is %d", utf8.RuneCountInString(t.Name), MaxTermNameLen)
	case !utf8.ValidString(t.Description):
		return store.Term{}, invalidf("description", "description is not valid UTF-8")
	case utf8.RuneCountInString(t.Description) > MaxTermDescriptionLen:
		return store.Term{}, invalidf("description", "description is %d characters long; the limit is %d", utf8.RuneCountInString(t.Description), MaxTermDescriptionLen)
	}
	if in.Slug != "" {
		if err := checkSlug(in.Slug); err != nil {
			return store.Term{}, err
		}
		t.Slug = in.Slug
		created, err := s.Store.CreateTerm(ctx, t)
		if errors.Is(err, store.ErrConflict) {
			return store.Term{}, conflictf("slug", err, "a %s with slug %q already exists", in.Taxonomy, in.Slug)
		}
		if err != nil {
			return store.Term{}, fmt.Errorf("content: create %s %q: %w", in.Taxonomy, t.Name, err)
		}
		return created, nil
	}
	base := Slugify(t.Name)
	if base == "" {
		base = string(in.Taxonomy)
	}
	for n := 1; n < 100; n++ {
		t.Slug = base
		if n > 1 {
			t.Slug = fmt.Sprintf("%s-%d", base, n)
		}
		existing, err := s.Store.GetTerm(ctx, in.Taxonomy, t.Slug)
		if err == nil {
			if strings.EqualFold(existing.Name, t.Name) {
				return store.Term{}, conflictf("name", store.ErrConflict, "%s %q already exists (slug %q)", in.Taxonomy, existing.Name, existing.Slug)
			}
			continue
		}
		if !errors.Is(err, store.ErrNotFound) {
			return store.Term{}, fmt.Errorf("content: check %s slug %q: %w", in.Taxonomy, t.Slug, err)
		}
		created, err := s.Store.CreateTerm(ctx, t)
		if errors.Is(err, store.ErrConflict) {
			continue // taken concurrently
		}
		if err != nil {
			return store.Term{}, fmt.Errorf("content: create %s %q: %w", in.Taxonomy, t.Name, err)
		}
		return created, nil
	}
	return store.Term{}, conflictf("slug", store.ErrConflict, "no free slug for %s %q; give one explicitly", in.Taxonomy, t.Name)
}
