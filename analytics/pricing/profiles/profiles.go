// Package profiles resolves application inference profiles for the price book with
// bedrock:GetInferenceProfile, and keeps the answers in a file so each profile is looked up
// once per machine. It is the AWS adapter of pricing.ProfileResolver; the book itself never
// calls AWS.
package profiles

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrock"

	"github.com/bedrock-usage/bedrock-usage/analytics/invocationlog"
	"github.com/bedrock-usage/bedrock-usage/analytics/pricing"
	"github.com/bedrock-usage/bedrock-usage/internal/atomicfile"
)

// InferenceProfileGetter is the one bedrock call the resolver needs.
type InferenceProfileGetter interface {
	GetInferenceProfile(ctx context.Context, in *bedrock.GetInferenceProfileInput, optFns ...func(*bedrock.Options)) (*bedrock.GetInferenceProfileOutput, error)
}

var _ InferenceProfileGetter = (*bedrock.Client)(nil)

// ProfileCache resolves application inference profiles with bedrock GetInferenceProfile
// (in the region the profile ARN names) and remembers the answers in a JSON file, so each
// profile is looked up once per machine. Failures are not written to the file, but are
// remembered for the life of the ProfileCache, so a report asks AWS once per profile
// however many rows carry it; they leave the profile unpriced. It is safe for concurrent use.
type ProfileCache struct {
	clientFor func(ctx context.Context, region string) (InferenceProfileGetter, error)
	path      string
	now       func() time.Time

	mu      sync.Mutex
	entries map[string]cachedProfile
	failed  map[string]error
	saveErr error
}

// SaveError is the last error writing the cache file, if any.
func (c *ProfileCache) SaveError() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.saveErr
}

type cachedProfile struct {
	pricing.ProfileTarget
	Models     []string  `json:"models"`
	ResolvedAt time.Time `json:"resolved_at"`
}

type profileCacheFile struct {
	Version  int                      `json:"version"`
	Profiles map[string]cachedProfile `json:"profiles"`
}

var _ pricing.ProfileResolver = (*ProfileCache)(nil)

// DefaultProfileCachePath is os.UserCacheDir()/bedrock-usage/profiles.json.
func DefaultProfileCachePath() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("profile cache: %w", err)
	}
	return filepath.Join(dir, "bedrock-usage", "profiles.json"), nil
}

// NewProfileCache returns a resolver that calls clientFor(region) for a bedrock client in the
// profile's region. path is the cache file ("" for DefaultProfileCachePath); an unreadable
// or corrupt cache file is an error rather than silently ignored.
func NewProfileCache(clientFor func(ctx context.Context, region string) (InferenceProfileGetter, error), path string) (*ProfileCache, error) {
	if path == "" {
		p, err := DefaultProfileCachePath()
		if err != nil {
			return nil, err
		}
		path = p
	}
	c := &ProfileCache{clientFor: clientFor, path: path, now: time.Now, entries: map[string]cachedProfile{}, failed: map[string]error{}}
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("profile cache: %w", err)
	default:
		var f profileCacheFile
		if err := json.Unmarshal(data, &f); err != nil {
			return nil, fmt.Errorf("profile cache %s is corrupt (delete it to start over): %w", path, err)
		}
		for k, v := range f.Profiles {
			c.entries[k] = v
		}
	}
	return c, nil
}

// ResolveProfile implements pricing.ProfileResolver.
func (c *ProfileCache) ResolveProfile(ctx context.Context, arn string) (pricing.ProfileTarget, error) {
	c.mu.Lock()
	if e, ok := c.entries[arn]; ok {
		c.mu.Unlock()
		return e.ProfileTarget, nil
	}
	if err, ok := c.failed[arn]; ok {
		c.mu.Unlock()
		return pricing.ProfileTarget{}, err
	}
	c.mu.Unlock()
	t, err := c.lookup(ctx, arn)
	if err != nil {
		c.mu.Lock()
		c.failed[arn] = err
		c.mu.Unlock()
	}
	return t, err
}

// lookup asks bedrock for one profile and caches the answer.
func (c *ProfileCache) lookup(ctx context.Context, arn string) (pricing.ProfileTarget, error) {

	ref := invocationlog.ParseModelID(arn)
	if ref.Kind != invocationlog.ModelAppProfileARN || ref.Region == "" {
		return pricing.ProfileTarget{}, fmt.Errorf("%q is not an application inference profile ARN with a region", arn)
	}
	client, err := c.clientFor(ctx, ref.Region)
	if err != nil {
		return pricing.ProfileTarget{}, fmt.Errorf("bedrock client for %s: %w", ref.Region, err)
	}
	out, err := client.GetInferenceProfile(ctx, &bedrock.GetInferenceProfileInput{InferenceProfileIdentifier: aws.String(arn)})
	if err != nil {
		return pricing.ProfileTarget{}, fmt.Errorf("GetInferenceProfile: %w", err)
	}
	var models []string
	for _, m := range out.Models {
		models = append(models, aws.ToString(m.ModelArn))
	}
	t, err := targetOfModels(ref.Region, models)
	if err != nil {
		return pricing.ProfileTarget{}, err
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries[arn] = cachedProfile{ProfileTarget: t, Models: models, ResolvedAt: c.now().UTC().Truncate(time.Second)}
	if err := c.saveLocked(); err != nil {
		// The answer is right; only remembering it failed: use it, and keep the error for
		// SaveError so the caller can report it.
		c.saveErr = fmt.Errorf("profile cache %s: %w", c.path, err)
	}
	return t, nil
}

// targetOfModels turns the models list of an application inference profile into its target.
// Every entry must be a foundation-model ARN of one base model. One model in the profile's
// own region is an in-region copy; several regions of one geography (the first part of the
// region name: us, eu, ap, ca, …) a geographic profile; several geographies a global one.
func targetOfModels(profileRegion string, arns []string) (pricing.ProfileTarget, error) {
	if len(arns) == 0 {
		return pricing.ProfileTarget{}, errors.New("GetInferenceProfile returned no models")
	}
	base := ""
	regions := map[string]bool{}
	for _, a := range arns {
		ref := invocationlog.ParseModelID(a)
		if ref.Kind != invocationlog.ModelFoundationARN || ref.Base == "" || ref.Prefix != "" {
			return pricing.ProfileTarget{}, fmt.Errorf("profile model %q is not a foundation-model ARN", a)
		}
		if base != "" && ref.Base != base {
			return pricing.ProfileTarget{}, fmt.Errorf("profile routes to several models (%s, %s)", base, ref.Base)
		}
		base = ref.Base
		regions[ref.Region] = true
	}
	if len(regions) == 1 && regions[profileRegion] {
		return pricing.ProfileTarget{Model: base, Scope: pricing.ScopeInRegion}, nil
	}
	if len(regions) == 1 {
		list := keys(regions)
		return pricing.ProfileTarget{}, fmt.Errorf("profile in %s routes only to %s: cannot tell its scope", profileRegion, list[0])
	}
	geos := map[string]bool{}
	for r := range regions {
		geos[geography(r)] = true
	}
	if len(geos) == 1 {
		return pricing.ProfileTarget{Model: base, Scope: pricing.ScopeGeo}, nil
	}
	return pricing.ProfileTarget{Model: base, Scope: pricing.ScopeGlobal}, nil
}

func geography(region string) string {
	if strings.HasPrefix(region, "us-gov-") {
		return "us-gov"
	}
	g, _, _ := strings.Cut(region, "-")
	return g
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func (c *ProfileCache) saveLocked() error {
	data, err := json.MarshalIndent(profileCacheFile{Version: 1, Profiles: c.entries}, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.Write(c.path, append(data, '\n'))
}
