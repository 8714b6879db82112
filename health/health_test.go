package health

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

func TestIAMMatch(t *testing.T) {
	const object = "arn:aws:s3:::logs/bedrock-logs/AWSLogs/123456789012/BedrockModelInvocationLogs/us-east-1/2025/11/03/09/x.json.gz"
	tests := []struct {
		name, pattern string
		want          bool
	}{
		{"a star spans slashes", "arn:aws:s3:::logs/bedrock-logs/AWSLogs/123456789012/BedrockModelInvocationLogs/*", true},
		{"the whole bucket", "arn:aws:s3:::logs/*", true},
		{"everything", "*", true},
		{"another account", "arn:aws:s3:::logs/bedrock-logs/AWSLogs/999999999999/*", false},
		{"another prefix", "arn:aws:s3:::logs/other/*", false},
		{"a question mark is one character", "arn:aws:s3:::log?/bedrock-logs/*", true},
		{"dots are literal", "arn:aws:s3:::logs/bedrock.logs/*", false},
		{"the bucket alone is not its objects", "arn:aws:s3:::logs", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := iamMatch(tt.pattern, object); got != tt.want {
				t.Errorf("iamMatch(%q): got %v, want %v", tt.pattern, got, tt.want)
			}
		})
	}
}

func TestWorst(t *testing.T) {
	tests := []struct {
		name   string
		checks []Check
		want   Status
	}{
		{"none", nil, OK},
		{"all ok", []Check{{Status: OK}, {Status: OK}}, OK},
		{"a warning", []Check{{Status: OK}, {Status: Warn}}, Warn},
		{"a failure after a warning", []Check{{Status: Warn}, {Status: Fail}, {Status: OK}}, Fail},
	}
	for _, tt := range tests {
		if got := Worst(tt.checks); got != tt.want {
			t.Errorf("%s: got %s, want %s", tt.name, got, tt.want)
		}
	}
}

// policyS3 answers GetBucketPolicy with a policy; the rest of S3Reader is not used.
type policyS3 struct {
	S3Reader
	policy string
}

func (p policyS3) GetBucketPolicy(context.Context, *s3.GetBucketPolicyInput, ...func(*s3.Options)) (*s3.GetBucketPolicyOutput, error) {
	return &s3.GetBucketPolicyOutput{Policy: aws.String(p.policy)}, nil
}

func TestPolicyCheck(t *testing.T) {
	const res = `"Resource":"arn:aws:s3:::logs/bedrock-logs/AWSLogs/123456789012/BedrockModelInvocationLogs/*"`
	const guarded = `{"Effect":"Allow","Principal":{"Service":"bedrock.amazonaws.com"},"Action":"s3:PutObject",` + res +
		`,"Condition":{"StringEquals":{"aws:SourceAccount":"123456789012"},"ArnLike":{"aws:SourceArn":"arn:aws:bedrock:us-east-1:123456789012:*"}}}`
	tests := []struct {
		name, policy string
		want         Status
	}{
		{"the CDK app's statement", `{"Statement":[` + guarded + `]}`, OK},
		{"one statement, not a list", `{"Statement":` + guarded + `}`, OK},
		{"an action pattern in another case", `{"Statement":[` + strings.Replace(guarded, `"s3:PutObject"`, `["s3:Put*"]`, 1) + `]}`, OK},
		{"a second statement without conditions", `{"Statement":[` + guarded + `,{"Effect":"Allow","Principal":{"Service":"bedrock.amazonaws.com"},"Action":"s3:PutObject",` + res + `}]}`, Warn},
		{"another account's SourceAccount", `{"Statement":[` + strings.Replace(guarded, `"aws:SourceAccount":"123456789012"`, `"aws:SourceAccount":"999999999999"`, 1) + `]}`, Warn},
		{"a SourceArn of another region", `{"Statement":[` + strings.Replace(guarded, "arn:aws:bedrock:us-east-1:", "arn:aws:bedrock:eu-west-1:", 1) + `]}`, Warn},
		{"another prefix", `{"Statement":[` + strings.Replace(guarded, "bedrock-logs/AWSLogs", "other/AWSLogs", 1) + `]}`, Fail},
		{"a deny", `{"Statement":[` + strings.Replace(guarded, `"Allow"`, `"Deny"`, 1) + `]}`, Fail},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &region{name: "us-east-1", c: &Clients{S3: policyS3{policy: tt.policy}}, opts: Options{Account: "123456789012"}}
			r.policy(context.Background(), "logs", "bedrock-logs/")
			if len(r.checks) != 1 || r.checks[0].Status != tt.want {
				t.Errorf("got %+v, want one %s check", r.checks, tt.want)
			}
		})
	}
}
