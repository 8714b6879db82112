package local_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/bedrock-usage/bedrock-usage/analytics"
	"github.com/bedrock-usage/bedrock-usage/analytics/local"
)

// A folder in the Bedrock layout: only the hour folders of the range (and the one after it)
// are read, and each record counts for the hour of its own timestamp.
func ExampleNew() {
	root, _ := os.MkdirTemp("", "logs")
	defer os.RemoveAll(root)
	hour := filepath.Join(root, "AWSLogs", "123456789012", "BedrockModelInvocationLogs", "us-east-1", "2025", "11", "03", "11")
	os.MkdirAll(hour, 0o755)
	os.WriteFile(filepath.Join(hour, "delivery.json"), []byte(
		`{"schemaType":"ModelInvocationLog","timestamp":"2025-11-03T10:59:30Z","accountId":"123456789012","region":"us-east-1",`+
			`"identity":{"arn":"arn:aws:sts::123456789012:assumed-role/ChatbotApp-BedrockRole/alice"},"operation":"Converse",`+
			`"modelId":"us.anthropic.claude-3-haiku-20240307-v1:0","input":{"inputTokenCount":1200},"output":{"outputTokenCount":300}}`+"\n"), 0o644)

	ctx := context.Background()
	src, err := local.New(ctx, root)
	if err != nil {
		fmt.Println(err)
		return
	}
	since := time.Date(2025, 11, 3, 10, 0, 0, 0, time.UTC)
	res, err := src.Usage(ctx, analytics.Query{Since: since, Until: since.Add(time.Hour)})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range res.AllRows() {
		fmt.Println(r.Hour.Format(time.RFC3339), r.App, r.User, r.Model, r.Calls, r.InputTokens, r.OutputTokens)
	}
	fmt.Println("files read:", res.Scan.Int("files"))
	// Output:
	// 2025-11-03T10:00:00Z ChatbotApp-BedrockRole alice us.anthropic.claude-3-haiku-20240307-v1:0 1 1200 300
	// files read: 1
}
