package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/bedrock-usage/bedrock-usage/analytics"
	"github.com/bedrock-usage/bedrock-usage/analytics/loggen"
	"github.com/bedrock-usage/bedrock-usage/analytics/render"
	"github.com/bedrock-usage/bedrock-usage/deployment"
)

// NewCmdLogs is the `logs` parent command.
func NewCmdLogs(f *factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "logs",
		Short: "Work with Bedrock model invocation log files",
		Long: heredoc.Doc(`
			Work with Amazon Bedrock model invocation log files.

			"logs generate" writes realistic synthetic logs, laid out, named and compressed
			as Bedrock writes them to S3, so that reports, dashboards and benchmarks can run
			without an AWS account.
		`),
		Args: noArgs,
	}
	cmd.AddCommand(NewCmdLogsGenerate(f, logsGenerateRun))
	return cmd
}

// logsGenerateOptions are the flags of `bedrock-usage logs generate`.
type logsGenerateOptions struct {
	IO  *iostreams
	Now func() time.Time

	Out        string
	Since      string
	Until      string
	Seed       int64
	Records    int
	Account    string
	Prefix     string
	Regions    []string
	Workers    int
	ProfileMap string
	Force      bool
	JSON       bool
	// SessionPerCall gives every application-role call a generated session name of its own.
	SessionPerCall bool
}

// defaultGenerateWindow is the range of `logs generate` when --since is not given.
const defaultGenerateWindow = 30 * 24 * time.Hour

// NewCmdLogsGenerate is `bedrock-usage logs generate`; runF runs it.
func NewCmdLogsGenerate(f *factory, runF func(context.Context, *logsGenerateOptions) error) *cobra.Command {
	opts := &logsGenerateOptions{IO: f.IO, Now: f.Now}
	cmd := &cobra.Command{
		Use:   "generate --out DIR",
		Short: "Write synthetic Bedrock invocation logs for demos, tests and benchmarks",
		Long: heredoc.Docf(`
			Write synthetic Amazon Bedrock model invocation logs into a folder, exactly as
			Bedrock writes them to S3:

			  DIR/{prefix}AWSLogs/{account}/BedrockModelInvocationLogs/{region}/YYYY/MM/DD/HH/
			      20251201T101502123Z_9b86bf4994c4ab1c.json.gz   gzipped NDJSON, several records
			      data/{requestId}_input.json.gz                 bodies over 100 KB
			  DIR/{prefix}amazon-bedrock-logs-permission-check   written when logging is set up

			Each UTC hour folder holds several files; a file lands in the folder of the hour it
			was delivered in, so a few records near an hour's end sit in the next hour's folder.

			The logs follow the scenarios of the original system:
			  - applications calling through IAM roles ({App}-BedrockRole), several sessions
			    each: CustomerServiceApp, DataAnalysisApp, ChatbotApp, DocumentProcessorApp
			  - IAM users of user-agent style apps (MobileApp, WebPortal, BackendAPI,
			    ReportingService) and two IAM Identity Center users
			  - six regions (or --region), with busy weekday business hours and quiet
			    nights and weekends in each region's local time
			  - every Claude model from Claude 3 Haiku to Claude Opus 4.5, through bare
			    model ids, geographic (us., eu., apac., jp.) and global inference profiles,
			    their ARNs, foundation-model ARNs and application inference profiles
			  - a few calls to %[1]s, which the embedded book prices in us-east-1 only
			    (the other regions' calls show as unpriced)
			  - the four operations with their body shapes: InvokeModel,
			    InvokeModelWithResponseStream, Converse, ConverseStream
			  - prompt cache reads and writes; long-context calls (over 200K input tokens)
			    on Claude Sonnet 4 and 4.5; requestMetadata (tenant_id, team, cost_center,
			    environment); failed calls with an errorCode

			Bodies carry representative text, shorter than their token counts, so that
			millions of records can be written quickly; token counts are the realistic part.

			The same flags always write the same files, byte for byte, whatever the machine.
			--records is the exact number of records. Record timestamps lie in [--since,
			--until); the default range is the 30 days before now.

			The folder must not already hold logs for the account unless --force is given.
			--profile-map writes the application inference profiles the logs use, in the
			format "bedrock-usage report --profile-map" reads, so they can be priced.

			A one-line summary goes to standard error; --json prints the summary as JSON on
			standard output instead.
		`, loggen.UnknownModelID),
		Example: heredoc.Doc(`
			# A month of logs (20,000 records) and a report from them
			$ bedrock-usage logs generate --out ./logs --since 30d --profile-map profiles.json
			$ bedrock-usage report --source ./logs --since 30d --profile-map profiles.json

			# November 2025 in two regions, reproducibly
			$ bedrock-usage logs generate --out ./logs --since 2025-11-01 --until 2025-11-30 \
			    --region us-east-1 --region eu-central-1 --seed 7 --records 100000

			# A million records for a benchmark, with a machine-readable summary
			$ bedrock-usage logs generate --out /tmp/bench --records 1000000 --json

			# Upload them to a bucket and report from S3
			$ aws s3 sync ./logs s3://bedrock-logs-123456789012-us-east-1/
			$ bedrock-usage report --source s3://bedrock-logs-123456789012-us-east-1/bedrock-logs/
		`),
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runF(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&opts.Out, "out", "o", "", "folder to write the logs into (required)")
	fl.StringVar(&opts.Since, "since", "", "start: a date (2025-11-01), an RFC 3339 time, or a duration back from now (30d, 24h); default 30 days before --until")
	fl.StringVar(&opts.Until, "until", "", "end: a date (inclusive: the whole day), an RFC 3339 time (exclusive), or a duration back from now; default now")
	fl.Int64Var(&opts.Seed, "seed", 1, "random seed: the same seed and flags write the same files")
	fl.IntVarP(&opts.Records, "records", "n", loggen.DefaultRecords, "exact number of log records to write")
	fl.StringVar(&opts.Account, "account", loggen.DefaultAccount, "AWS account id in keys, records and caller ARNs")
	fl.StringVar(&opts.Prefix, "prefix", deployment.LogPrefix, `key prefix of the logging configuration ("" for none)`)
	fl.StringSliceVar(&opts.Regions, "region", nil, "regions to write logs for (repeatable or comma-separated; default "+strings.Join(loggen.DefaultRegions, ", ")+")")
	fl.IntVar(&opts.Workers, "workers", 0, "files written at once (default: the number of CPUs); never changes the output")
	fl.StringVar(&opts.ProfileMap, "profile-map", "", "also write the application inference profile map (JSON) to this file")
	fl.BoolVar(&opts.SessionPerCall, "session-per-call", false, "give every call of an application role its own generated session name (botocore-session-…, aws-go-sdk-…, instance ids, UUIDs, task ids), as Lambda workers and SDK defaults do")
	fl.BoolVar(&opts.Force, "force", false, "write even if the folder already holds logs for the account")
	fl.BoolVar(&opts.JSON, "json", false, "print the summary as JSON on standard output")
	return cmd
}

// generateSummary is the --json output.
type generateSummary struct {
	Schema      string   `json:"schema"`
	Out         string   `json:"out"`
	Prefix      string   `json:"prefix"`
	Account     string   `json:"account"`
	Regions     []string `json:"regions"`
	Since       string   `json:"since"`
	Until       string   `json:"until"`
	Seed        int64    `json:"seed"`
	Records     int64    `json:"records"`
	Files       int64    `json:"files"`
	BodyObjects int64    `json:"body_objects"`
	FailedCalls int64    `json:"failed_calls"`
	Bytes       int64    `json:"bytes"`
	Seconds     float64  `json:"seconds"`
	ProfileMap  string   `json:"profile_map,omitempty"`
}

func logsGenerateRun(ctx context.Context, opts *logsGenerateOptions) error {
	if opts.Out == "" {
		return usageErr("--out is required")
	}
	if opts.Records <= 0 {
		return usageErr("--records must be at least 1, got %d", opts.Records)
	}
	if len(opts.Account) != 12 || strings.Trim(opts.Account, "0123456789") != "" {
		return usageErr("--account %q is not a 12-digit AWS account id", opts.Account)
	}
	for _, r := range opts.Regions {
		if r == "" || strings.ContainsAny(r, "/\\ ") {
			return usageErr("--region %q is not a region name", r)
		}
	}
	prefix := opts.Prefix
	switch {
	case prefix == "" || prefix == "/":
		prefix = "/" // loggen: no prefix
	case strings.HasPrefix(prefix, "/") || strings.Contains(prefix, ".."):
		return usageErr("--prefix %q must be a relative key prefix such as bedrock-logs/", opts.Prefix)
	}
	now := opts.Now()
	since, until, err := analytics.ParseRange(opts.Since, opts.Until, now, nil)
	if err != nil {
		return usageErr("%v", err)
	}
	if opts.Since == "" {
		since = until.Add(-defaultGenerateWindow)
	}

	cfg := loggen.Config{
		Out: opts.Out, Prefix: prefix, Account: opts.Account, Since: since, Until: until,
		Seed: opts.Seed, Records: opts.Records, Regions: opts.Regions, Workers: opts.Workers,
		SessionPerCall: opts.SessionPerCall,
	}
	keyPrefix := strings.TrimPrefix(prefix, "/")
	if keyPrefix != "" && !strings.HasSuffix(keyPrefix, "/") {
		keyPrefix += "/"
	}
	if !opts.Force {
		dir := filepath.Join(opts.Out, filepath.FromSlash(keyPrefix+"AWSLogs/"+opts.Account+"/BedrockModelInvocationLogs"))
		if genNonEmpty(dir) {
			return usageErr("%s already holds logs for account %s: choose an empty folder, or --force to write over and beside them", dir, opts.Account)
		}
	}

	if opts.IO.ErrTTY {
		cfg.Progress = genProgress(opts.IO.ErrOut, int64(opts.Records))
	}
	start := time.Now()
	st, err := loggen.Generate(ctx, cfg)
	if opts.IO.ErrTTY {
		fmt.Fprint(opts.IO.ErrOut, "\r\033[K")
	}
	if err != nil {
		return err
	}
	elapsed := time.Since(start)

	if opts.ProfileMap != "" {
		data, err := json.MarshalIndent(loggen.ProfileMap(cfg), "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(opts.ProfileMap, append(data, '\n'), 0o644); err != nil {
			return fmt.Errorf("--profile-map: %w", err)
		}
	}

	regions := opts.Regions
	if len(regions) == 0 {
		regions = loggen.DefaultRegions
	}
	logsDir := filepath.Join(opts.Out, filepath.FromSlash(keyPrefix))
	if opts.JSON {
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(generateSummary{
			Schema: "bedrock-usage/logs-generate@1", Out: opts.Out, Prefix: keyPrefix, Account: opts.Account,
			Regions: regions, Since: since.Format(time.RFC3339), Until: until.Format(time.RFC3339), Seed: opts.Seed,
			Records: st.Records, Files: st.Files, BodyObjects: st.BodyObjects, FailedCalls: st.FailedCalls,
			Bytes: st.Bytes, Seconds: elapsed.Seconds(), ProfileMap: opts.ProfileMap,
		})
	}
	fmt.Fprintf(opts.IO.ErrOut, "wrote %d records (%d failed calls) in %d files and %d body objects, %s gzipped, %s to %s, into %s (seed %d, %s)\n",
		st.Records, st.FailedCalls, st.Files, st.BodyObjects, render.HumanBytes(st.Bytes),
		since.Format(time.RFC3339), until.Format(time.RFC3339), logsDir, opts.Seed, elapsed.Round(time.Millisecond))
	return nil
}

// genNonEmpty reports whether dir exists and has an entry.
func genNonEmpty(dir string) bool {
	f, err := os.Open(dir)
	if err != nil {
		return false
	}
	defer f.Close()
	_, err = f.ReadDir(1)
	return err == nil || !errors.Is(err, io.EOF) && !errors.Is(err, fs.ErrNotExist)
}

// genProgress shows the records written so far on a terminal, at most every 200 ms.
func genProgress(w io.Writer, total int64) func(loggen.Stats) {
	var last time.Time
	return func(s loggen.Stats) {
		if now := time.Now(); now.Sub(last) >= 200*time.Millisecond || s.Records == total {
			last = now
			fmt.Fprintf(w, "\r\033[Kgenerating logs: %d of %d records (%.0f%%), %d files", s.Records, total, 100*float64(s.Records)/float64(total), s.Files)
		}
	}
}
