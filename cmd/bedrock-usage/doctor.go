package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/aws/aws-sdk-go-v2/service/athena"
	"github.com/aws/aws-sdk-go-v2/service/bedrock"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/spf13/cobra"

	"github.com/bedrock-usage/bedrock-usage/deployment"
	"github.com/bedrock-usage/bedrock-usage/health"
)

// DoctorSchema names the JSON shape of `doctor --format json`; see the README.
const DoctorSchema = "bedrock-usage/doctor@1"

// doctorOptions are the flags of `bedrock-usage doctor`.
type doctorOptions struct {
	IO      *iostreams
	f       *factory
	Regions []string
	Format  string
	Strict  bool
	Account string
	// NoCount leaves out the comparison of CloudWatch's count with the logs' (it reads the
	// last 24 hours of logs).
	NoCount                    bool
	Database, Table, WorkGroup string
}

// NewCmdDoctor is `bedrock-usage doctor`; runF runs it (doctorRun, or a test's).
func NewCmdDoctor(f *factory, runF func(context.Context, *doctorOptions) error) *cobra.Command {
	opts := &doctorOptions{IO: f.IO, f: f}
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Check each region's logging, bucket, log arrival, traffic and analytics resources",
		Long: heredoc.Doc(`
			Check the deployment in each region (the CDK app's regions, or --region),
			concurrently, and say for each check ok, warn or fail, and what to do:

			  logging           model invocation logging is on and delivers to S3
			  data types        which data types are delivered (text off: no bodies, so no
			                    cache-TTL split, service tier or guardrail units)
			  bucket            the bucket exists in the region
			  bucket policy     bedrock.amazonaws.com may put objects under the prefix, with
			                    the aws:SourceAccount and aws:SourceArn conditions
			  public access     all public access is blocked
			  logs arriving     the newest log, and its age while CloudWatch counts traffic
			  traffic vs logs   CloudWatch's AWS/Bedrock Invocations of the last 24 hours
			                    against the calls in the logs for the same hours
			  bedrock-mantle    AWS/BedrockMantle inferences, which no invocation log records
			  glue table        the table of the CDK app, with partition projection
			  athena workgroup  the workgroup, with its result location

			It only reads. Exit codes: 0 when every check passes (warnings too, unless
			--strict), 3 when one fails (or warns, under --strict), 1 on error.
		`),
		Example: heredoc.Doc(`
			$ bedrock-usage doctor
			$ bedrock-usage doctor --region eu-central-1 --format json
		`),
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runF(cmd.Context(), opts) },
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&opts.Regions, "region", nil, "regions to check (repeatable or comma-separated; default: the CDK app's, "+strings.Join(deployment.DefaultRegions(), ", ")+")")
	fl.StringVarP(&opts.Format, "format", "f", "", "output format: table or json (default table on a terminal, json otherwise)")
	fl.BoolVar(&opts.Strict, "strict", false, "exit 3 on a warning too")
	fl.StringVar(&opts.Account, "account", "", "the account checked (default: the caller's, from sts:GetCallerIdentity)")
	fl.BoolVar(&opts.NoCount, "no-log-count", false, "do not read the last 24 hours of logs to compare their calls with CloudWatch's count")
	fl.StringVar(&opts.Database, "database", deployment.DatabaseName, "Glue database")
	fl.StringVar(&opts.Table, "table", deployment.TableName, "Glue table")
	fl.StringVar(&opts.WorkGroup, "workgroup", deployment.WorkGroupName, "Athena workgroup")
	return cmd
}

func doctorRun(ctx context.Context, opts *doctorOptions) error {
	format, err := opsFormat(opts.Format, opts.IO.OutTTY)
	if err != nil {
		return err
	}
	regions, err := regionList(opts.Regions, deployment.DefaultRegions())
	if err != nil {
		return err
	}
	f := opts.f
	account, err := callerAccount(ctx, f, opts.Account)
	if err != nil {
		return err
	}
	hopts := health.Options{Account: account, Now: f.Now(), Database: opts.Database, Table: opts.Table, WorkGroup: opts.WorkGroup}
	if !opts.NoCount {
		hopts.CountLogged = countLogged(f)
	}
	checks := health.Run(ctx, regions, func(ctx context.Context, region string) (*health.Clients, error) {
		cfg, err := f.AWSConfig(ctx, region)
		if err != nil {
			return nil, fmt.Errorf("loading AWS configuration for %s: %w", region, err)
		}
		return &health.Clients{
			Bedrock:    bedrock.NewFromConfig(cfg),
			S3:         s3.NewFromConfig(cfg, f.S3Options...),
			CloudWatch: cloudwatch.NewFromConfig(cfg),
			Glue:       glue.NewFromConfig(cfg),
			Athena:     athena.NewFromConfig(cfg),
		}, nil
	}, hopts)
	if err := ctx.Err(); err != nil {
		return err
	}
	counts := map[health.Status]int{}
	for _, c := range checks {
		counts[c.Status]++
	}
	if format == "json" {
		doc := struct {
			Schema      string         `json:"schema"`
			GeneratedAt string         `json:"generated_at"`
			Account     string         `json:"account"`
			Regions     []string       `json:"regions"`
			Checks      []health.Check `json:"checks"`
			Summary     map[string]int `json:"summary"`
		}{DoctorSchema, f.Now().UTC().Format(time.RFC3339), account, regions, checks,
			map[string]int{"ok": counts[health.OK], "warn": counts[health.Warn], "fail": counts[health.Fail]}}
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(doc); err != nil {
			return err
		}
	} else {
		writeChecks(opts.IO, checks)
		fmt.Fprintf(opts.IO.Out, "\n%d ok, %d warn, %d fail in %d region(s) of account %s\n", counts[health.OK], counts[health.Warn], counts[health.Fail], len(regions), account)
	}
	switch worst := health.Worst(checks); {
	case worst == health.Fail:
		return withCode(exitData, errors.New(failedChecks(checks, health.Fail)))
	case worst == health.Warn && opts.Strict:
		return withCode(exitData, errors.New(failedChecks(checks, health.Warn)+" (--strict)"))
	}
	return nil
}

// failedChecks names the checks of a status: "eu-central-1 logging, us-east-1 bucket policy".
func failedChecks(checks []health.Check, st health.Status) string {
	var names []string
	for _, c := range checks {
		if c.Status == st {
			names = append(names, c.Region+" "+c.Name)
		}
	}
	return fmt.Sprintf("%d check(s) %s: %s", len(names), map[health.Status]string{health.Fail: "failed", health.Warn: "warned"}[st], strings.Join(names, ", "))
}

// writeChecks writes the checks as a table, each warning and failure followed by its fix.
func writeChecks(io *iostreams, checks []health.Check) {
	tw := tabwriter.NewWriter(io.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "REGION\tCHECK\tSTATUS\tDETAIL")
	mark := map[health.Status]string{health.OK: "ok", health.Warn: "WARN", health.Fail: "FAIL"}
	colour := map[health.Status]string{health.Warn: "\x1b[33m", health.Fail: "\x1b[31m"}
	for _, c := range checks {
		st := mark[c.Status]
		if io.Color && colour[c.Status] != "" {
			st = colour[c.Status] + st + "\x1b[0m"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.Region, c.Name, st, printableText(c.Detail))
		if c.Fix != "" {
			fmt.Fprintf(tw, "\t\t\t→ %s\n", printableText(c.Fix))
		}
	}
	tw.Flush()
}

// printableText keeps a message from AWS on one line without control characters.
func printableText(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}
