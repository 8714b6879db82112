package pricing

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/bedrock-usage/bedrock-usage/analytics/invocationlog"
)

// ProfileTarget is what an application inference profile routes to: a base model id and the
// scope of the model or system profile it copies.
type ProfileTarget struct {
	Model string `json:"model"`
	Scope Scope  `json:"scope"`
}

// ProfileResolver resolves an application inference profile ARN to its target.
type ProfileResolver interface {
	ResolveProfile(ctx context.Context, profileARN string) (ProfileTarget, error)
}

// WithProfileMapFile reads an offline mapping of application inference profiles to models:
// a JSON object whose keys are profile ARNs or profile ids and whose values are model ids in
// any form the logs use (bare id → in-region, "us."/"eu."… → geo, "global." → global,
// foundation-model or inference-profile ARNs).
func WithProfileMapFile(path string) Option {
	return func(b *Book) {
		if b.optErr != nil {
			return
		}
		data, err := os.ReadFile(path)
		if err != nil {
			b.optErr = fmt.Errorf("profile map: %w", err)
			return
		}
		m, err := ParseProfileMap(path, data)
		if err != nil {
			b.optErr = err
			return
		}
		b.profileMap = m
	}
}

// ParseProfileMap parses and checks a profile map file.
func ParseProfileMap(name string, data []byte) (map[string]string, error) {
	var m map[string]string
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("profile map %s: want a JSON object of profile ARN or id → model id: %w", name, err)
	}
	for k, v := range m {
		if k == "" {
			return nil, fmt.Errorf("profile map %s: empty key", name)
		}
		ref := invocationlog.ParseModelID(v)
		if ref.Base == "" || v == "" {
			return nil, fmt.Errorf("profile map %s: %q maps to %q, which is not a model id, system inference profile or their ARN", name, k, v)
		}
	}
	return m, nil
}

// WithProfileResolver resolves application inference profiles online (see
// NewProfileCache) for those the profile map does not name.
func WithProfileResolver(r ProfileResolver) Option {
	return func(b *Book) { b.resolver = r }
}

// resolution is a parsed, resolved model id: base model and scope, or why it has none.
type resolution struct {
	ref    invocationlog.ModelRef
	model  string
	scope  Scope
	how    string
	reason string // non-empty: unpriced
}

// Resolve returns the base model id and scope that price modelID, and how they were found.
func (b *Book) Resolve(ctx context.Context, modelID string) (model string, scope Scope, how string, err error) {
	r := b.resolve(ctx, modelID)
	if r.reason != "" {
		return r.model, r.scope, r.how, &UnpricedError{ModelID: modelID, Reason: r.reason, Model: r.model, Scope: r.scope}
	}
	return r.model, r.scope, r.how, nil
}

func (b *Book) resolve(ctx context.Context, id string) *resolution {
	if v, ok := b.resolved.Load(id); ok {
		return v.(*resolution)
	}
	r := b.resolveUncached(ctx, id)
	// A resolver failure caused by the caller's context is not remembered.
	if r.reason != "" && ctx.Err() != nil {
		return r
	}
	v, _ := b.resolved.LoadOrStore(id, r)
	return v.(*resolution)
}

func (b *Book) resolveUncached(ctx context.Context, id string) *resolution {
	ref := invocationlog.ParseModelIDWith(id, b.prefixes)
	r := &resolution{ref: ref}
	if p := b.unknownPrefix(ref); p != "" {
		r.reason = fmt.Sprintf("unknown inference-profile prefix %q (the price book knows %s; a newer price book may know it: see bedrock-usage pricing refresh)", p, strings.Join(b.prefixes, ", "))
		return r
	}
	switch ref.Kind {
	case invocationlog.ModelBare:
		r.model, r.scope, r.how = ref.Base, ScopeInRegion, "foundation model id (in-region call)"
	case invocationlog.ModelFoundationARN:
		if ref.Prefix != "" {
			r.reason = fmt.Sprintf("foundation-model ARN with an inference-profile prefix %q", ref.Prefix)
			return r
		}
		r.model, r.scope, r.how = ref.Base, ScopeInRegion, "foundation-model ARN (in-region call)"
	case invocationlog.ModelProfile, invocationlog.ModelProfileARN:
		if ref.Prefix == "" {
			r.reason = fmt.Sprintf("inference profile %q has no geographic or global prefix", ref.Resource)
			return r
		}
		r.model, r.scope = ref.Base, prefixScope(ref.Prefix)
		form := "system inference profile id"
		if ref.Kind == invocationlog.ModelProfileARN {
			form = "system inference-profile ARN"
		}
		r.how = fmt.Sprintf("%s, prefix %q (%s)", form, ref.Prefix, r.scope)
	case invocationlog.ModelAppProfileARN:
		t, how, err := b.resolveAppProfile(ctx, id, ref)
		if err != nil {
			r.reason = fmt.Sprintf("application inference profile %s cannot be resolved: %v", ref.Resource, err)
			return r
		}
		r.model, r.scope, r.how = t.Model, t.Scope, how
	default:
		// Provisioned throughput, custom and imported models: only a price file entry keyed by
		// the exact ARN prices them.
		r.model, r.scope, r.how = id, ScopeInRegion, "ARN other than a model or profile (priced only by an entry for this exact ARN)"
	}
	if r.model == "" {
		r.reason = "empty model id"
	}
	return r
}

// unknownPrefix returns the first segment of a model id that has the shape of an
// inference-profile id with a prefix the book does not know ("zz.anthropic.claude-…": a
// short lower-case segment, then a provider the book prices), or "".
func (b *Book) unknownPrefix(ref invocationlog.ModelRef) string {
	if ref.Prefix != "" || (ref.Kind != invocationlog.ModelBare && ref.Kind != invocationlog.ModelProfileARN) {
		return ""
	}
	id := ref.Base
	if ref.Kind == invocationlog.ModelProfileARN {
		id = ref.Resource
	}
	p, rest, ok := strings.Cut(id, ".")
	if !ok || !prefixRE.MatchString(p) || b.providers[p] {
		return ""
	}
	provider, _, ok := strings.Cut(rest, ".")
	if !ok || !b.providers[provider] {
		return ""
	}
	return p
}

func prefixScope(prefix string) Scope {
	if prefix == "global" {
		return ScopeGlobal
	}
	return ScopeGeo
}

func (b *Book) resolveAppProfile(ctx context.Context, arn string, ref invocationlog.ModelRef) (ProfileTarget, string, error) {
	for _, key := range []string{arn, ref.Resource} {
		v, ok := b.profileMap[key]
		if !ok {
			continue
		}
		t, err := TargetOf(v)
		if err != nil {
			return ProfileTarget{}, "", fmt.Errorf("profile map entry %q: %w", key, err)
		}
		return t, fmt.Sprintf("application inference profile, mapped to %s by the profile map (%s)", v, t.Scope), nil
	}
	if b.resolver == nil {
		return ProfileTarget{}, "", errNoResolver
	}
	t, err := b.resolver.ResolveProfile(ctx, arn)
	if err != nil {
		return ProfileTarget{}, "", err
	}
	if t.Model == "" || (t.Scope != ScopeInRegion && t.Scope != ScopeGeo && t.Scope != ScopeGlobal) {
		return ProfileTarget{}, "", fmt.Errorf("resolver returned %+v", t)
	}
	return t, fmt.Sprintf("application inference profile, resolved with GetInferenceProfile to %s (%s)", t.Model, t.Scope), nil
}

// TargetOf turns a model id in any non-application form into the base model and scope.
func TargetOf(modelID string) (ProfileTarget, error) {
	ref := invocationlog.ParseModelID(modelID)
	switch ref.Kind {
	case invocationlog.ModelBare, invocationlog.ModelFoundationARN:
		if ref.Prefix != "" && ref.Kind == invocationlog.ModelFoundationARN {
			return ProfileTarget{}, fmt.Errorf("%q: foundation-model ARN with a profile prefix", modelID)
		}
		if ref.Base == "" || strings.ContainsAny(ref.Base, " /") {
			return ProfileTarget{}, fmt.Errorf("%q is not a model id", modelID)
		}
		return ProfileTarget{Model: ref.Base, Scope: ScopeInRegion}, nil
	case invocationlog.ModelProfile, invocationlog.ModelProfileARN:
		if ref.Prefix == "" {
			return ProfileTarget{}, fmt.Errorf("%q: inference profile without a prefix", modelID)
		}
		return ProfileTarget{Model: ref.Base, Scope: prefixScope(ref.Prefix)}, nil
	}
	return ProfileTarget{}, fmt.Errorf("%q is not a model id, system inference profile or their ARN", modelID)
}
