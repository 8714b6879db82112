package health

import "testing"

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
