package deployment

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestCDKJSONDefaults checks that cdk.json's context, which `cdk deploy` reads, says what
// the CLI assumes: the regions it queries, the key prefix, the applications, the role name.
func TestCDKJSONDefaults(t *testing.T) {
	raw, err := os.ReadFile("../cdk.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Context struct {
			Regions           []string `json:"bedrock-usage:regions"`
			HomeRegion        string   `json:"bedrock-usage:homeRegion"`
			LogPrefix         string   `json:"bedrock-usage:logPrefix"`
			Apps              []string `json:"bedrock-usage:apps"`
			ReportingRoleName string   `json:"bedrock-usage:reportingRoleName"`
		} `json:"context"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	c := doc.Context
	if diff := cmp.Diff(DefaultRegions(), c.Regions); diff != "" {
		t.Errorf("cdk.json bedrock-usage:regions differ from DefaultRegions (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(DefaultApps(), c.Apps); diff != "" {
		t.Errorf("cdk.json bedrock-usage:apps differ from DefaultApps (-want +got):\n%s", diff)
	}
	if c.LogPrefix != LogPrefix {
		t.Errorf("cdk.json bedrock-usage:logPrefix = %q, want %q", c.LogPrefix, LogPrefix)
	}
	if c.ReportingRoleName != ReportingRoleName {
		t.Errorf("cdk.json bedrock-usage:reportingRoleName = %q, want %q", c.ReportingRoleName, ReportingRoleName)
	}
	if c.HomeRegion != DefaultRegions()[0] {
		t.Errorf("cdk.json bedrock-usage:homeRegion = %q, want the first default region %q", c.HomeRegion, DefaultRegions()[0])
	}
}

func TestNames(t *testing.T) {
	tests := []struct{ name, got, want string }{
		{"log bucket", LogBucketName("123456789012", "us-east-1"), "bedrock-logs-123456789012-us-east-1"},
		{"analytics bucket", AnalyticsBucketName("123456789012", "eu-central-1"), "bedrock-analytics-123456789012-eu-central-1"},
		{"access logs", AccessLogBucketName("123456789012", "us-west-2"), "bedrock-usage-access-logs-123456789012-us-west-2"},
		{"results", ResultsLocation("123456789012", "us-east-1"), "s3://bedrock-analytics-123456789012-us-east-1/athena-results/"},
		{"app role", AppRoleName("ChatbotApp"), "ChatbotApp-BedrockRole"},
		{"stack", RegionalStackName("us-east-1"), "BedrockUsage-us-east-1"},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, tc.got, tc.want)
		}
	}
}
