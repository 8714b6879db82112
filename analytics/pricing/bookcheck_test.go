package pricing

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bedrock-usage/bedrock-usage/analytics/invocationlog"
)

// TestEmbeddedBookChecks is the review gate of book.json: every entry names its source and
// the day it was checked, the prefix list is the parser's, and every form of every priced
// model id resolves to its own entry in its own scope, region and first day.
func TestEmbeddedBookChecks(t *testing.T) {
	f, err := EmbeddedBook()
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range f.Entries {
		if e.Source == "" || e.Checked == "" {
			t.Errorf("%s (%s): every entry needs source and checked", e.Origin(), e.Model)
		}
		if _, ok := f.Models[e.Model]; !ok {
			t.Errorf("%s: model %s has no entry under models (its display name)", e.Origin(), e.Model)
		}
	}
	for _, g := range f.Guardrails {
		if g.Source == "" || g.Checked == "" {
			t.Errorf("%s (guardrail %s): every entry needs source and checked", g.Origin(), g.Policy)
		}
	}
	// The book's guardrail policies are the decoder's, in the same order.
	var names []string
	for _, p := range invocationlog.GuardrailPolicies {
		names = append(names, p.Name)
	}
	if diff := cmp.Diff(names, GuardrailPolicies); diff != "" {
		t.Errorf("pricing.GuardrailPolicies differ from invocationlog.GuardrailPolicies (-decoder +pricing):\n%s", diff)
	}
	b0 := mustLoad(t)
	for _, p := range GuardrailPolicies {
		if _, err := b0.GuardrailCost("us-east-1", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), []GuardrailUse{{p, 1000}}); err != nil {
			t.Errorf("guardrail %s in us-east-1: %v", p, err)
		}
	}
	got, want := slices.Sorted(slices.Values(f.ProfilePrefixes)), slices.Sorted(slices.Values(invocationlog.ProfilePrefixes))
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("book profile_prefixes differ from invocationlog.ProfilePrefixes (-parser +book):\n%s", diff)
	}
	b := mustLoad(t)
	ctx := context.Background()
	for _, e := range f.Entries {
		region := "us-east-1"
		if len(e.Region) > 0 {
			region = e.Region[0]
		}
		at := e.EffectiveFrom().Add(12 * time.Hour)
		if e.Tier != "" {
			// A tier price is looked up for calls the log says that tier served, and sits
			// beside a standard price of the same model, scope and region.
			for _, s := range e.Scopes {
				c, _, _ := b.lookup(e.Model, s, region, e.Tier, at)
				if c == nil || c.entry.Origin() != e.Origin() {
					t.Errorf("%s: the %s tier of %s %s in %s does not resolve to this entry", e.Origin(), e.Tier, e.Model, s, region)
				}
				if std, _, _ := b.lookup(e.Model, s, region, "", at); std == nil {
					t.Errorf("%s: %s tier price without a standard price of %s %s in %s", e.Origin(), e.Tier, e.Model, s, region)
				}
			}
			continue
		}
		for _, s := range e.Scopes {
			var forms []string
			switch s {
			case ScopeInRegion:
				forms = []string{e.Model, "arn:aws:bedrock:" + region + "::foundation-model/" + e.Model}
			case ScopeGeo:
				for _, p := range f.ProfilePrefixes {
					if p != "global" {
						forms = append(forms, p+"."+e.Model)
					}
				}
				forms = append(forms, "arn:aws:bedrock:"+region+":123456789012:inference-profile/us."+e.Model)
			case ScopeGlobal:
				forms = []string{"global." + e.Model, "arn:aws:bedrock:" + region + ":123456789012:inference-profile/global." + e.Model}
			}
			for _, id := range forms {
				ex, err := b.Explain(ctx, id, region, at)
				if err != nil {
					t.Errorf("%s: explain %s in %s at %s: %v", e.Origin(), id, region, at.Format(time.DateOnly), err)
					continue
				}
				if ex.Model != e.Model || ex.Scope != s || ex.Entry.Origin() != e.Origin() {
					t.Errorf("%s: %s resolved to %s %s (%s), want %s %s", e.Origin(), id, ex.Model, ex.Scope, ex.Entry.Origin(), e.Model, s)
				}
			}
		}
	}
}

func TestProfilePrefixes(t *testing.T) {
	b := mustLoad(t)
	ctx := context.Background()
	tests := []struct {
		name, id   string
		wantScope  Scope
		wantReason string
	}{
		{"India profile", "in.anthropic.claude-haiku-4-5-20251001-v1:0", ScopeGeo, ""},
		{"undated id", "anthropic.claude-sonnet-4-6", ScopeInRegion, ""},
		{"v1 without :0", "global.anthropic.claude-opus-4-6-v1", ScopeGlobal, ""},
		{"unknown prefix", "zz.anthropic.claude-sonnet-4-6", "", `unknown inference-profile prefix "zz"`},
		{"unknown prefix in an ARN", "arn:aws:bedrock:us-east-1:123456789012:inference-profile/mx.anthropic.claude-sonnet-4-6", "", `unknown inference-profile prefix "mx"`},
		{"a provider is not a prefix", "anthropic.claude-v2", ScopeInRegion, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, scope, _, err := b.Resolve(ctx, tc.id)
			var ue *UnpricedError
			switch {
			case tc.wantReason != "":
				if !errors.As(err, &ue) || !strings.Contains(ue.Reason, tc.wantReason) {
					t.Errorf("Resolve(%s): got %v, want an unpriced error with %q", tc.id, err, tc.wantReason)
				}
			case err != nil:
				t.Errorf("Resolve(%s): %v", tc.id, err)
			case scope != tc.wantScope:
				t.Errorf("Resolve(%s): scope %s, want %s", tc.id, scope, tc.wantScope)
			}
		})
	}
}
