package profiles

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/bedrock"
	"github.com/bedrock-usage/bedrock-usage/analytics/pricing"
)

// fakeBedrock serves GET /inference-profiles/{id} (REST-JSON) like the bedrock control plane.
type fakeBedrock struct {
	mu       sync.Mutex
	profiles map[string][]string // profile ARN → model ARNs
	calls    []string            // "region path"
}

func (f *fakeBedrock) handler(region string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, ok := strings.CutPrefix(r.URL.EscapedPath(), "/inference-profiles/")
		if r.Method != http.MethodGet || !ok {
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
		arn, _ := url.PathUnescape(id)
		f.mu.Lock()
		f.calls = append(f.calls, region+" "+arn)
		models, found := f.profiles[arn]
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if !found {
			w.Header().Set("X-Amzn-ErrorType", "ResourceNotFoundException")
			w.WriteHeader(http.StatusNotFound)
			json.NewEncoder(w).Encode(map[string]string{"message": "Inference profile not found"})
			return
		}
		var ms []map[string]string
		for _, m := range models {
			ms = append(ms, map[string]string{"modelArn": m})
		}
		json.NewEncoder(w).Encode(map[string]any{
			"inferenceProfileArn":  arn,
			"inferenceProfileId":   arn[strings.LastIndex(arn, "/")+1:],
			"inferenceProfileName": "team-a",
			"createdAt":            "2025-10-01T10:00:00Z",
			"updatedAt":            "2025-10-01T10:00:00Z",
			"models":               ms,
			"status":               "ACTIVE",
			"type":                 "APPLICATION",
		})
	})
}

func newFakeClients(t *testing.T, f *fakeBedrock) func(ctx context.Context, region string) (InferenceProfileGetter, error) {
	servers := map[string]*httptest.Server{}
	var mu sync.Mutex
	t.Cleanup(func() {
		for _, s := range servers {
			s.Close()
		}
	})
	return func(ctx context.Context, region string) (InferenceProfileGetter, error) {
		mu.Lock()
		defer mu.Unlock()
		srv, ok := servers[region]
		if !ok {
			srv = httptest.NewServer(f.handler(region))
			servers[region] = srv
		}
		return bedrock.New(bedrock.Options{
			Region:       region,
			BaseEndpoint: aws.String(srv.URL),
			Credentials:  credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
			HTTPClient:   srv.Client(),
		}), nil
	}
}

func TestProfileCache(t *testing.T) {
	const (
		s45    = "anthropic.claude-sonnet-4-5-20250929-v1:0"
		single = "arn:aws:bedrock:eu-west-1:123456789012:application-inference-profile/single"
		geo    = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/geo"
		global = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/global"
		mixed  = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/mixed"
		empty  = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/empty"
		other  = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/otherregion"
		gone   = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/gone"
	)
	fm := func(region, base string) string { return "arn:aws:bedrock:" + region + "::foundation-model/" + base }
	f := &fakeBedrock{profiles: map[string][]string{
		single: {fm("eu-west-1", s45)},
		geo:    {fm("us-east-1", s45), fm("us-east-2", s45), fm("us-west-2", s45)},
		global: {fm("us-east-1", s45), fm("eu-west-1", s45), fm("ap-northeast-1", s45)},
		mixed:  {fm("us-east-1", s45), fm("us-west-2", "anthropic.claude-3-haiku-20240307-v1:0")},
		empty:  {},
		other:  {fm("us-west-2", s45)},
	}}
	cachePath := filepath.Join(t.TempDir(), "sub", "profiles.json")
	pc, err := NewProfileCache(newFakeClients(t, f), cachePath)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, arn string
		want      pricing.ProfileTarget
		wantErr   string
	}{
		{"copy of a foundation model", single, pricing.ProfileTarget{Model: s45, Scope: pricing.ScopeInRegion}, ""},
		{"copy of a geographic profile", geo, pricing.ProfileTarget{Model: s45, Scope: pricing.ScopeGeo}, ""},
		{"copy of a global profile", global, pricing.ProfileTarget{Model: s45, Scope: pricing.ScopeGlobal}, ""},
		{"several models", mixed, pricing.ProfileTarget{}, "several models"},
		{"no models", empty, pricing.ProfileTarget{}, "no models"},
		{"one model elsewhere", other, pricing.ProfileTarget{}, "cannot tell its scope"},
		{"not found", gone, pricing.ProfileTarget{}, "ResourceNotFoundException"},
		{"not an app profile", "us." + s45, pricing.ProfileTarget{}, "not an application inference profile"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := pc.ResolveProfile(context.Background(), tt.arn)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, %v; want error containing %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
	// Each profile was asked in its own region.
	for _, c := range f.calls {
		region, arn, _ := strings.Cut(c, " ")
		if !strings.Contains(arn, ":"+region+":") {
			t.Errorf("profile %s asked in %s", arn, region)
		}
	}
	if err := pc.SaveError(); err != nil {
		t.Fatal(err)
	}

	// A second cache from the file answers without calling bedrock; failures were not cached.
	calls := len(f.calls)
	pc2, err := NewProfileCache(newFakeClients(t, f), cachePath)
	if err != nil {
		t.Fatal(err)
	}
	for _, arn := range []string{single, geo, global} {
		if _, err := pc2.ResolveProfile(context.Background(), arn); err != nil {
			t.Errorf("%s from cache: %v", arn, err)
		}
	}
	if len(f.calls) != calls {
		t.Errorf("cached profiles made %d bedrock calls, want 0", len(f.calls)-calls)
	}
	if _, err := pc2.ResolveProfile(context.Background(), gone); err == nil {
		t.Error("a failure was cached as a success")
	}

	// Through the book: the app profile copying a global profile is priced at global rates.
	b, err := pricing.Load(context.Background(), pricing.WithProfileResolver(pc2))
	if err != nil {
		t.Fatal(err)
	}
	c, err := b.Cost(context.Background(), pricing.Usage{ModelID: global, Region: "us-east-1", Time: day("2026-01-01"), InputTokens: 1000000})
	if err != nil {
		t.Fatal(err)
	}
	if c.Scope != pricing.ScopeGlobal || c.Model != s45 || c.Total.String() != "3" {
		t.Errorf("got %s %s %s, want %s global 3", c.Model, c.Scope, c.Total, s45)
	}

	// A corrupt cache file is an error, not silently ignored.
	os.WriteFile(cachePath, []byte("{not json"), 0o644)
	if _, err := NewProfileCache(newFakeClients(t, f), cachePath); err == nil || !strings.Contains(err.Error(), "corrupt") {
		t.Errorf("corrupt cache: got %v", err)
	}
}
func day(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s+"T12:00:00Z")
	if err != nil {
		panic(err)
	}
	return t
}
