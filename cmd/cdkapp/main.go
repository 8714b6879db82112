// Package main is the CDK app that cdk.json runs (`cdk synth`, `cdk diff`, `cdk deploy`): it
// reads the configuration from context, adds the bedrock-usage stacks (see package infra)
// and applies the cdk-nag AwsSolutions checks.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/bedrock-usage/bedrock-usage/infra"
)

func main() {
	defer jsii.Close()
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "cdkapp:", err)
		jsii.Close()
		os.Exit(1)
	}
}

func run() error {
	if err := checkContextKeys(os.Getenv("CDK_CONTEXT_JSON")); err != nil {
		return err
	}
	app := awscdk.NewApp(nil)
	cfg, err := infra.ConfigFromApp(app, os.Getenv("CDK_DEFAULT_ACCOUNT"))
	if err != nil {
		return err
	}
	defer infra.CleanupAssets()
	infra.Build(app, cfg)
	infra.AddChecks(app)
	app.Synth(nil)
	return nil
}

// checkContextKeys rejects bedrock-usage context keys the app does not read (typos), from
// the context the CDK CLI hands the app.
func checkContextKeys(contextJSON string) error {
	if contextJSON == "" {
		return nil
	}
	var ctx map[string]any
	if err := json.Unmarshal([]byte(contextJSON), &ctx); err != nil {
		return fmt.Errorf("reading CDK_CONTEXT_JSON: %w", err)
	}
	keys := make([]string, 0, len(ctx))
	for k := range ctx {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if unknown := infra.UnknownContextKeys(keys); len(unknown) > 0 {
		return fmt.Errorf("unknown context keys %s (known: %s)", strings.Join(unknown, ", "), strings.Join(infra.ContextKeys(), ", "))
	}
	return nil
}
