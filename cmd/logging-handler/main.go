// Command logging-handler is the Lambda function (provided.al2023, handler "bootstrap") of
// the regional stacks' Custom::BedrockInvocationLogging resource; package loggingconfig holds
// its logic. Package infra builds it at synth time.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/bedrock"

	"github.com/bedrock-usage/bedrock-usage/loggingconfig"
)

func main() {
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		// The Bedrock calls then fail, and each request is reported FAILED with their error
		// rather than leaving CloudFormation waiting.
		fmt.Fprintln(os.Stderr, "logging-handler: loading the AWS configuration:", err)
	}
	h := &loggingconfig.Handler{Bedrock: bedrock.NewFromConfig(cfg), Region: cfg.Region}
	lambda.Start(h.Handle)
}
