package infra

import (
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// ctxOf is a context getter over a map (the shape CDK hands values in: strings from -c,
// JSON values from cdk.json).
func ctxOf(m map[string]any) func(string) any {
	return func(k string) any { return m[k] }
}

func TestLoadConfigDefaults(t *testing.T) {
	got, err := LoadConfig(ctxOf(map[string]any{}), "123456789012")
	if err != nil {
		t.Fatalf("LoadConfig: %v", err)
	}
	want := Config{
		Account:                 "123456789012",
		HomeRegion:              "us-east-1",
		Regions:                 []string{"us-east-1", "us-west-2", "eu-central-1", "ap-northeast-1", "ap-northeast-2", "ap-southeast-1"},
		LogPrefix:               "bedrock-logs/",
		Apps:                    []string{"CustomerServiceApp", "DataAnalysisApp", "ChatbotApp", "DocumentProcessorApp"},
		ModelFamilies:           []string{"anthropic.claude", "amazon.nova", "amazon.titan", "meta.llama"},
		Delivery:                Delivery{Text: true, Image: true, Embedding: true},
		LogTransitionDays:       30,
		AccessLogExpirationDays: 365,
		ResultsExpirationDays:   30,
		ProjectionStart:         "2024/01/01/00",
		BytesScannedCutoff:      10737418240,
		CloudWatch:              CloudWatch{RetentionDays: 30},
		ObjectLock:              ObjectLock{RetentionDays: 30},
		ExistingLogBuckets:      map[string]string{},
		ReportingRoleName:       "BedrockUsage-Reporting",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("config (-want +got):\n%s", diff)
	}
	if got.LogBucketName("eu-central-1") != "bedrock-logs-123456789012-eu-central-1" ||
		got.AnalyticsBucketName("eu-central-1") != "bedrock-analytics-123456789012-eu-central-1" ||
		got.ResultsLocation("eu-central-1") != "s3://bedrock-analytics-123456789012-eu-central-1/athena-results/" {
		t.Errorf("names: got %s %s %s", got.LogBucketName("eu-central-1"), got.AnalyticsBucketName("eu-central-1"), got.ResultsLocation("eu-central-1"))
	}
}

func TestLoadConfigValueForms(t *testing.T) {
	tests := []struct {
		name  string
		ctx   map[string]any
		check func(Config) string
	}{
		{"context account wins over CDK_DEFAULT_ACCOUNT", map[string]any{AccountKey: "210987654321"},
			func(c Config) string { return want(c.Account, "210987654321") }},
		{"account as JSON number keeps leading zeros", map[string]any{AccountKey: 12345678901.0},
			func(c Config) string { return want(c.Account, "012345678901") }},
		{"regions comma-separated from -c", map[string]any{RegionsKey: "us-east-1, eu-central-1"},
			func(c Config) string { return want(strings.Join(c.Regions, "|"), "us-east-1|eu-central-1") }},
		{"regions as JSON string from -c", map[string]any{RegionsKey: `["us-west-2","us-east-1"]`},
			func(c Config) string { return want(strings.Join(c.Regions, "|"), "us-west-2|us-east-1") }},
		{"numbers as strings", map[string]any{LogExpirationDaysKey: "400", BytesScannedCutoffKey: "20971520"},
			func(c Config) string {
				return want(c.LogExpirationDays, 400) + want(c.BytesScannedCutoff, int64(20971520))
			}},
		{"kms as string", map[string]any{KMSKey: "true"},
			func(c Config) string { return want(c.KMS, true) }},
		{"replaceExistingLogging from cdk.json", map[string]any{ReplaceExistingLoggingKey: true},
			func(c Config) string { return want(c.ReplaceExistingLogging, true) }},
		{"replaceExistingLogging as string from -c", map[string]any{ReplaceExistingLoggingKey: "true"},
			func(c Config) string { return want(c.ReplaceExistingLogging, true) }},
		{"cur from cdk.json", map[string]any{CURKey: true},
			func(c Config) string { return want(c.CUR, true) }},
		{"cur as string from -c", map[string]any{CURKey: "true"},
			func(c Config) string { return want(c.CUR, true) }},
		{"cur off as string from -c", map[string]any{CURKey: "false"},
			func(c Config) string { return want(c.CUR, false) }},
		{"cur off leaves the home region free", map[string]any{HomeRegionKey: "eu-central-1"},
			func(c Config) string { return want(c.HomeRegion, "eu-central-1") + want(c.CUR, false) }},
		{"cur names", map[string]any{CURKey: true, ProjectionStartKey: "2025/03/15/07"},
			func(c Config) string {
				return want(c.CURBucketName(), "bedrock-usage-cur-123456789012-us-east-1") +
					want(c.CURDataLocation(), "s3://bedrock-usage-cur-123456789012-us-east-1/cur/bedrock-usage-cur/data/") +
					want(c.CURProjectionStart(), "2025-03")
			}},
		{"delivery object keeps unset defaults", map[string]any{DeliveryKey: map[string]any{"video": true}},
			func(c Config) string {
				return want(c.Delivery, Delivery{Text: true, Image: true, Embedding: true, Video: true})
			}},
		{"github environment only", map[string]any{GitHubKey: `{"repo":"acme/reports","environment":"prod"}`},
			func(c Config) string {
				return want(strings.Join(GitHubSubjects(c.GitHub), "|"), "repo:acme/reports:environment:prod")
			}},
		{"existing bucket", map[string]any{ExistingLogBucketsKey: map[string]any{"us-west-2": "my-logs"}},
			func(c Config) string {
				return want(c.LogBucketName("us-west-2"), "my-logs") + want(c.LogBucketName("us-east-1"), "bedrock-logs-123456789012-us-east-1")
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := LoadConfig(ctxOf(tt.ctx), "123456789012")
			if err != nil {
				t.Fatalf("LoadConfig: %v", err)
			}
			if msg := tt.check(c); msg != "" {
				t.Error(msg)
			}
		})
	}
}

func want[T any](got, want T) string {
	if cmp.Equal(got, want) {
		return ""
	}
	return "got " + jsonString(got) + ", want " + jsonString(want) + "; "
}

func TestLoadConfigErrors(t *testing.T) {
	tests := []struct {
		name    string
		ctx     map[string]any
		account string
		wantErr []string
	}{
		{"no account", map[string]any{}, "", []string{`set the context key "account"`}},
		{"bad account", map[string]any{AccountKey: "12345"}, "", []string{`account: "12345" is not a 12-digit AWS account ID`}},
		{"unknown region", map[string]any{RegionsKey: []any{"us-east-1", "us-east-9"}}, "123456789012", []string{`unknown region "us-east-9"`}},
		{"duplicate region", map[string]any{RegionsKey: "us-east-1,us-east-1"}, "123456789012", []string{`region "us-east-1" listed twice`}},
		{"home region not deployed", map[string]any{HomeRegionKey: "eu-west-1"}, "123456789012", []string{`homeRegion: home region "eu-west-1" is not one of the configured regions`}},
		{"no regions", map[string]any{RegionsKey: []any{}, HomeRegionKey: "us-east-1"}, "123456789012", []string{"no region configured"}},
		{"empty model families", map[string]any{ModelFamiliesKey: []any{}}, "123456789012", []string{"modelFamilies: no model family configured"}},
		{"wildcard model family", map[string]any{ModelFamiliesKey: "anthropic.*"}, "123456789012", []string{`"anthropic.*" is not a model-ID prefix`}},
		{"negative retention", map[string]any{LogExpirationDaysKey: -1.0}, "123456789012", []string{"logExpirationDays: -1 days is negative"}},
		{"expiry before transition", map[string]any{LogExpirationDaysKey: 20.0}, "123456789012", []string{"objects expire after 20 days, not after the transition"}},
		{"fractional days", map[string]any{ResultsExpirationDaysKey: 1.5}, "123456789012", []string{"resultsExpirationDays: want a whole number, got 1.5"}},
		{"zero results expiry", map[string]any{ResultsExpirationDaysKey: 0.0}, "123456789012", []string{"Athena results must expire after at least 1 day"}},
		{"bad CloudWatch retention", map[string]any{CloudWatchKey: map[string]any{"enabled": true, "retentionDays": 31.0}}, "123456789012", []string{"retentionDays 31 is not a CloudWatch Logs retention period"}},
		{"typo in object", map[string]any{CloudWatchKey: map[string]any{"enable": true}}, "123456789012", []string{`cloudWatch: json: unknown field "enable"`}},
		{"object lock without retention", map[string]any{ObjectLockKey: map[string]any{"enabled": true, "retentionDays": 0.0}}, "123456789012", []string{"objectLock: retentionDays 0: lock log objects for 1 to 36500 days"}},
		{"object lock past 100 years", map[string]any{ObjectLockKey: `{"enabled": true, "retentionDays": 36501}`}, "123456789012", []string{"retentionDays 36501"}},
		{"malformed GitHub repo", map[string]any{GitHubKey: map[string]any{"repo": "https://github.com/acme/x", "branch": "main"}}, "123456789012", []string{`repo "https://github.com/acme/x" is not "owner/name"`}},
		{"GitHub repo without ref", map[string]any{GitHubKey: map[string]any{"repo": "acme/x"}}, "123456789012", []string{"needs a branch or an environment"}},
		{"GitHub branch wildcard", map[string]any{GitHubKey: map[string]any{"repo": "acme/x", "branch": "*"}}, "123456789012", []string{`github: branch "*" contains a wildcard (* or ?)`, "every matching branch of acme/x"}},
		{"GitHub branch pattern", map[string]any{GitHubKey: map[string]any{"repo": "acme/x", "branch": "release/*"}}, "123456789012", []string{`branch "release/*" contains a wildcard`}},
		{"GitHub environment wildcard", map[string]any{GitHubKey: map[string]any{"repo": "acme/x", "environment": "prod?"}}, "123456789012", []string{`environment "prod?" contains a wildcard`}},
		{"GitHub bad branch name", map[string]any{GitHubKey: map[string]any{"repo": "acme/x", "branch": "main branch"}}, "123456789012", []string{`branch "main branch" is not a branch or environment name`}},
		{"reporting role named like the logging handler role", map[string]any{ReportingRoleNameKey: "BedrockUsage-InvocationLoggingHandler"}, "123456789012", []string{"is the name of a logging configuration role"}},
		{"GitHub branch without repo", map[string]any{GitHubKey: map[string]any{"branch": "main"}}, "123456789012", []string{"set without repo"}},
		{"bad projection start", map[string]any{ProjectionStartKey: "2024-01-01"}, "123456789012", []string{`projectionStart: "2024-01-01" is not an hour in the form yyyy/MM/dd/HH`}},
		{"prefix without slash", map[string]any{LogPrefixKey: "logs"}, "123456789012", []string{`logPrefix: "logs" must be one or more path segments`}},
		{"cutoff below minimum", map[string]any{BytesScannedCutoffKey: 1000.0}, "123456789012", []string{"below Athena's minimum"}},
		{"no apps", map[string]any{AppsKey: ""}, "123456789012", []string{"no application configured"}},
		{"app name too long", map[string]any{AppsKey: strings.Repeat("A", 60)}, "123456789012", []string{"does not make a valid IAM role name"}},
		{"existing bucket in unknown region", map[string]any{ExistingLogBucketsKey: map[string]any{"eu-west-1": "logs"}}, "123456789012", []string{`existingLogBuckets: region "eu-west-1" is not a configured region`}},
		{"bad principal", map[string]any{AppPrincipalsKey: "alice"}, "123456789012", []string{`appPrincipals: "alice" is not an IAM account-root, role or user ARN`}},
		{"every delivery off", map[string]any{DeliveryKey: `{"text":false,"image":false,"embedding":false}`}, "123456789012", []string{"Bedrock would log nothing"}},
		{"wrong type", map[string]any{KMSKey: 3.0}, "123456789012", []string{"kms: want true or false"}},
		{"replaceExistingLogging not a bool", map[string]any{ReplaceExistingLoggingKey: "yes"}, "123456789012", []string{`replaceExistingLogging: want true or false, got "yes"`}},
		{"cur not a bool", map[string]any{CURKey: "yes"}, "123456789012", []string{`bedrock-usage:cur: want true or false, got "yes"`}},
		{"cur as a number", map[string]any{CURKey: 1.0}, "123456789012", []string{"bedrock-usage:cur: want true or false, got float64 1"}},
		{"cur outside us-east-1", map[string]any{CURKey: true, HomeRegionKey: "eu-central-1"}, "123456789012", []string{
			`bedrock-usage:cur: the CUR 2.0 export needs the home region us-east-1, but it is "eu-central-1"`,
			"AWS Data Exports is a us-east-1 API (CloudFormation offers AWS::BCMDataExports::Export only there)",
			`set bedrock-usage:homeRegion to "us-east-1"`, "or leave bedrock-usage:cur off"}},
		{"all problems reported together", map[string]any{AccountKey: "x", ModelFamiliesKey: []any{}, ProjectionStartKey: "soon"}, "",
			[]string{"12-digit", "no model family", `"soon" is not an hour`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadConfig(ctxOf(tt.ctx), tt.account)
			if err == nil {
				t.Fatalf("got no error, want one containing %q", tt.wantErr)
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("got error %q, want it to contain %q", err, w)
				}
			}
		})
	}
}

func TestUnknownContextKeys(t *testing.T) {
	got := UnknownContextKeys([]string{"account", "bedrock-usage:regions", "bedrock-usage:region", "@aws-cdk/core:checkSecretUsage", "bedrock-usage:kmss"})
	if diff := cmp.Diff([]string{"bedrock-usage:kmss", "bedrock-usage:region"}, got); diff != "" {
		t.Errorf("unknown keys (-want +got):\n%s", diff)
	}
}

// TestCDKJSONKeysAreKnown: every bedrock-usage key in cdk.json is one the app reads, and
// cdk.json lists every key (it documents the defaults).
func TestCDKJSONKeysAreKnown(t *testing.T) {
	ctx := cdkJSONContext(t)
	var keys []string
	for k := range ctx {
		keys = append(keys, k)
	}
	if u := UnknownContextKeys(keys); len(u) > 0 {
		t.Errorf("cdk.json has unknown keys %v", u)
	}
	for _, k := range ContextKeys() {
		if _, ok := ctx[k]; !ok && k != AccountKey {
			t.Errorf("cdk.json does not list %s", k)
		}
	}
	c, err := LoadConfig(ctxOf(ctx), "123456789012")
	if err != nil {
		t.Fatalf("cdk.json: %v", err)
	}
	d := DefaultConfig()
	d.Account = "123456789012"
	d.AppPrincipals, d.ReportingPrincipals = []string{}, []string{}
	if diff := cmp.Diff(d, c); diff != "" {
		t.Errorf("cdk.json does not hold the defaults (-want +got):\n%s", diff)
	}
}

func TestRetentionCoversEveryAcceptedPeriod(t *testing.T) {
	for _, d := range logRetentionDays {
		if _, ok := retention[d]; !ok {
			t.Errorf("retention period %d days is accepted by Validate but has no CDK enum value", d)
		}
	}
	if len(retention) != len(logRetentionDays) {
		t.Errorf("got %d enum values, want %d", len(retention), len(logRetentionDays))
	}
}

// TestModelWildcardsAreNarrow: the cdk-nag suppression of the application roles' model
// wildcards covers the configured families and regions only, never a broader wildcard.
func TestModelWildcardsAreNarrow(t *testing.T) {
	var res []*regexp.Regexp
	for _, w := range modelWildcards("123456789012", []string{"us-east-1", "eu-central-1"}, []string{"anthropic.claude", "amazon.nova"}) {
		res = append(res, regexp.MustCompile(strings.TrimSuffix(strings.TrimPrefix(w, "/"), "/")))
	}
	tests := []struct {
		finding string
		want    bool
	}{
		{"Resource::arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude*", true},
		{"Resource::arn:aws:bedrock:*::foundation-model/amazon.nova*", true},
		{"Resource::arn:aws:bedrock:eu-central-1:123456789012:inference-profile/*.anthropic.claude*", true},
		{"Resource::arn:aws:bedrock:*::foundation-model/*", false},
		{"Resource::arn:aws:bedrock:us-east-1::foundation-model/meta.llama*", false},
		{"Resource::arn:aws:bedrock:us-west-2:123456789012:inference-profile/*.anthropic.claude*", false},
		{"Resource::arn:aws:bedrock:us-east-1:210987654321:inference-profile/*.anthropic.claude*", false},
		{"Resource::arn:aws:bedrock:us-east-1::foundation-model/anthropicXclaude*", false},
		{"Resource::*", false},
	}
	for _, tt := range tests {
		t.Run(tt.finding, func(t *testing.T) {
			got := false
			for _, re := range res {
				got = got || re.MatchString(tt.finding)
			}
			if got != tt.want {
				t.Errorf("suppressed: got %v, want %v", got, tt.want)
			}
		})
	}
}
