package infra

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
)

// testAccount is the fixed account of every synthesized test template.
const testAccount = "123456789012"

func TestMain(m *testing.M) {
	code := m.Run()
	CleanupAssets()
	for _, s := range synths {
		if s.dir != "" {
			os.RemoveAll(s.dir)
		}
	}
	jsii.Close()
	os.Exit(code)
}

// synthesized is one synthesized app: its stacks, their template files (raw and parsed).
type synthesized struct {
	once   sync.Once
	err    error
	dir    string
	cfg    Config
	stacks Stacks
	raw    map[string][]byte         // stack name → template file
	tmpl   map[string]map[string]any // stack name → parsed template
}

var synths = map[string]*synthesized{"default": {}, "full": {}, "cur": {}}

// cdkJSONContext is the context of the repository's cdk.json: the default app is exactly
// what `cdk synth -c account=123456789012` produces.
func cdkJSONContext(t *testing.T) map[string]any {
	t.Helper()
	b, err := os.ReadFile("../cdk.json")
	if err != nil {
		t.Fatalf("reading cdk.json: %v", err)
	}
	var doc struct {
		Context map[string]any `json:"context"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("parsing cdk.json: %v", err)
	}
	return doc.Context
}

// fullOverrides switch every optional feature on, in two regions, one of them with an
// existing log bucket, the other with a created one.
var fullOverrides = map[string]any{
	RegionsKey:                []any{"us-east-1", "eu-central-1"},
	ModelFamiliesKey:          "anthropic.claude,amazon.nova",
	AppsKey:                   []any{"ChatbotApp", "ReportApp"},
	KMSKey:                    true,
	CloudWatchKey:             `{"enabled": true, "retentionDays": 90}`,
	GitHubKey:                 map[string]any{"repo": "acme/bedrock-usage", "branch": "main", "environment": "reports"},
	ExistingLogBucketsKey:     map[string]any{"eu-central-1": "acme-existing-bedrock-logs"},
	LogExpirationDaysKey:      400,
	ReplaceExistingLoggingKey: true,
	ObjectLockKey:             `{"enabled": true, "retentionDays": 45}`,
}

// curOverrides switch the CUR 2.0 export on and nothing else, so that the "cur" app differs
// from the default app (cdk.json) by the export alone.
var curOverrides = map[string]any{CURKey: true}

// app synthesizes the named app once per test binary and returns it: "default" is cdk.json,
// "full" has every optional feature but the CUR export on, "cur" is cdk.json with the CUR
// export on.
func app(t *testing.T, name string) *synthesized {
	t.Helper()
	s := synths[name]
	s.once.Do(func() {
		ctx := cdkJSONContext(t)
		ctx[AccountKey] = testAccount
		for k, v := range map[string]map[string]any{"full": fullOverrides, "cur": curOverrides}[name] {
			ctx[k] = v
		}
		s.err = s.synth(ctx)
	})
	if s.err != nil {
		t.Fatalf("synthesizing the %s app: %v", name, s.err)
	}
	return s
}

func (s *synthesized) synth(ctx map[string]any) error {
	dir, err := os.MkdirTemp("", "bedrock-usage-cdk-")
	if err != nil {
		return err
	}
	s.dir = dir
	a := awscdk.NewApp(&awscdk.AppProps{
		Context:            &ctx,
		Outdir:             jsii.String(dir),
		AnalyticsReporting: jsii.Bool(false),
	})
	s.cfg, err = ConfigFromApp(a, "")
	if err != nil {
		return err
	}
	s.stacks = Build(a, s.cfg)
	AddChecks(a)
	a.Synth(nil)
	s.raw, s.tmpl = map[string][]byte{}, map[string]map[string]any{}
	for _, name := range s.names() {
		b, err := os.ReadFile(filepath.Join(dir, name+".template.json"))
		if err != nil {
			return err
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		s.raw[name], s.tmpl[name] = b, m
	}
	return nil
}

// names lists the app's stack names, account stack first.
func (s *synthesized) names() []string {
	names := []string{AccountStackName}
	for _, r := range s.cfg.Regions {
		names = append(names, RegionalStackName(r))
	}
	return names
}

// resources returns a template's resources of one type, by logical ID.
func resources(tmpl map[string]any, typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for id, r := range tmpl["Resources"].(map[string]any) {
		r := r.(map[string]any)
		if r["Type"] == typ {
			out[id] = r
		}
	}
	return out
}

// props is a resource's Properties.
func props(r map[string]any) map[string]any {
	p, _ := r["Properties"].(map[string]any)
	return p
}

// only returns the single resource of a type, failing otherwise.
func only(t *testing.T, tmpl map[string]any, typ string) (string, map[string]any) {
	t.Helper()
	rs := resources(tmpl, typ)
	if len(rs) != 1 {
		t.Fatalf("got %d %s resources, want 1", len(rs), typ)
	}
	for id, r := range rs {
		return id, r
	}
	return "", nil
}

// strs reads a JSON value that is a string or a list of strings.
func strs(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, e := range v {
			out = append(out, strs(e)...)
		}
		return out
	}
	return nil
}

func sorted(s []string) []string {
	s = append([]string(nil), s...)
	sort.Strings(s)
	return s
}

// jsonString is v's compact JSON, map keys sorted, without HTML escaping.
func jsonString(v any) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return strings.TrimSuffix(b.String(), "\n")
}
