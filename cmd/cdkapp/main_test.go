package main

import (
	"strings"
	"testing"
)

func TestCheckContextKeys(t *testing.T) {
	tests := []struct {
		name    string
		json    string
		wantErr string
	}{
		{"no context from the CLI", "", ""},
		{"known and CDK keys", `{"account":"123456789012","bedrock-usage:regions":["us-east-1"],"@aws-cdk/core:checkSecretUsage":true}`, ""},
		{"typo", `{"bedrock-usage:region":"us-east-1"}`, "unknown context keys bedrock-usage:region"},
		{"not JSON", `{`, "reading CDK_CONTEXT_JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkContextKeys(tt.json)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if (tt.wantErr == "") != (got == "") || !strings.Contains(got, tt.wantErr) {
				t.Errorf("got error %q, want %q", got, tt.wantErr)
			}
		})
	}
}
