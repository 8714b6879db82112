package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/shopspring/decimal"
	"github.com/spf13/cobra"

	"github.com/bedrock-usage/bedrock-usage/analytics"
	"github.com/bedrock-usage/bedrock-usage/analytics/athena"
	"github.com/bedrock-usage/bedrock-usage/analytics/local"
	"github.com/bedrock-usage/bedrock-usage/analytics/pricing"
	"github.com/bedrock-usage/bedrock-usage/analytics/render"
)

// reportOptions are the flags of `bedrock-usage report`.
type reportOptions struct {
	IO  *iostreams
	f   *factory
	Out string // --output file; empty for stdout

	Source  string
	Engine  string
	Since   string
	Until   string
	Regions []string
	Apps    []string
	Users   []string
	Models  []string
	GroupBy []string
	Views   []string
	Format  string
	Top     int
	Workers int

	Strict        bool
	StrictPricing bool
	Budget        string

	Prices     string
	Discount   string
	ProfileMap string
	Offline    bool

	Athena athenaFlags
	// athenaSet names the Athena-only flags given on the command line.
	athenaSet []string
}

func newReportCmd(f *factory) *cobra.Command {
	opts := &reportOptions{IO: f.IO, f: f}
	cmd := &cobra.Command{
		Use:   "report",
		Short: "Report usage and cost per user, application, model, region, day and hour",
		Long: heredoc.Doc(`
			Read Bedrock model invocation logs and report calls, tokens and cost.

			The logs come from a local folder or an s3://bucket/prefix URL (--source; the
			default engine reads and aggregates them on this machine), or from the Athena
			table that the bedrock-usage CDK app creates (--engine athena).

			Every report has totals and these views: by principal (the IAM role or user name),
			by application and user (an assumed role is the application, its session the
			user), by model, by region, daily and hourly. --group-by adds a view of your own,
			for instance by a requestMetadata key: --group-by app,metadata.tenant_id.

			Costs come from the embedded price book (see "bedrock-usage pricing list"),
			optionally overridden by --prices and --discount. Models the book does not know
			are reported as unpriced with their tokens; they are never priced by a guess.

			Lines, files and objects that cannot be read are counted and reported under
			"skipped"; --strict turns any of them into exit code 3.

			Output is a table on a terminal and JSON (the documented contract
			bedrock-usage/report@1) when standard output is not a terminal, unless --format
			says otherwise.

			Exit codes: 0 ok, 1 error, 2 usage, 3 data problems under --strict or
			--strict-pricing, 4 over --budget.
		`),
		Example: heredoc.Doc(`
			# Last 7 days from S3
			$ bedrock-usage report --source s3://bedrock-logs-123456789012-us-east-1/bedrock-logs/

			# November, one region, as Markdown for a CI job summary
			$ bedrock-usage report --source ./logs --since 2025-11-01 --until 2025-11-30 \
			    --region us-east-1 --format markdown >> "$GITHUB_STEP_SUMMARY"

			# Cost per tenant, from requestMetadata
			$ bedrock-usage report --source ./logs --since 30d --group-by metadata.tenant_id

			# Fail a CI job when yesterday cost more than $250
			$ bedrock-usage report --source s3://bucket/bedrock-logs/ --since 1d --budget 250

			# Through Athena, every configured region
			$ bedrock-usage report --engine athena --since 2025-11-01
		`),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if !cmd.Flags().Changed("format") {
				opts.Format = ""
			}
			opts.athenaSet = changedFlags(cmd, athenaFlagNames...)
			return runReport(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&opts.Source, "source", "s", "", "logs to read: a folder, a file, or s3://bucket/prefix (local engine; env BEDROCK_USAGE_SOURCE)")
	fl.StringVar(&opts.Engine, "engine", "local", "engine: local (read the logs here) or athena (query the Glue table)")
	fl.StringVar(&opts.Since, "since", "", "start: a date (2025-11-01), an RFC 3339 time, or a duration back from now (7d, 24h); default 7 days before --until")
	fl.StringVar(&opts.Until, "until", "", "end: a date (inclusive: the whole day), an RFC 3339 time (exclusive) or a duration back from now; default now")
	fl.StringSliceVar(&opts.Regions, "region", nil, "only these regions (repeatable or comma-separated)")
	fl.StringSliceVar(&opts.Apps, "app", nil, "only these applications (role names; repeatable)")
	fl.StringSliceVar(&opts.Users, "user", nil, "only these users (IAM user names or role session names; repeatable)")
	fl.StringSliceVar(&opts.Models, "model", nil, "only these models: a modelId as logged or its base id (repeatable)")
	fl.StringSliceVar(&opts.GroupBy, "group-by", nil, "add a view grouped by these dimensions: "+strings.Join(analytics.DimensionNames(), ", ")+", metadata.KEY")
	fl.StringSliceVar(&opts.Views, "view", nil, "views to show in table, markdown and csv output: "+strings.Join(render.ViewNames(), ", "))
	fl.StringVarP(&opts.Format, "format", "f", "table", "output format: "+strings.Join(render.Formats, ", ")+" (default table on a terminal, json otherwise)")
	fl.StringVarP(&opts.Out, "output", "o", "", "write the report to this file instead of standard output")
	fl.IntVar(&opts.Top, "top", 10, "lines per view in table and markdown output (0: all; daily and hourly are never cut)")
	fl.IntVar(&opts.Workers, "workers", 0, "files decoded at once by the local engine (default: number of CPUs; 16 or more for S3)")
	fl.BoolVar(&opts.Strict, "strict", false, "exit 3 when any line, file or object was skipped, no log file was found, or (athena) a region failed")
	fl.BoolVar(&opts.StrictPricing, "strict-pricing", false, "exit 3 when any call is unpriced")
	fl.StringVar(&opts.Budget, "budget", "", "exit 4 when the total cost in USD exceeds this amount (the report is still written)")
	fl.StringVar(&opts.Prices, "prices", "", "price file layered over the embedded price book (negotiated or private prices)")
	fl.StringVar(&opts.Discount, "discount", "", "flat discount in percent applied to every cost (e.g. 12.5)")
	fl.StringVar(&opts.ProfileMap, "profile-map", "", "file mapping application inference profile ARNs or ids to base model ids")
	fl.BoolVar(&opts.Offline, "offline", false, "never call bedrock GetInferenceProfile: application inference profiles not in --profile-map or the cache are unpriced")
	addAthenaFlags(cmd, &opts.Athena, true)
	return cmd
}

func runReport(ctx context.Context, opts *reportOptions) error {
	format := opts.Format
	if format == "" {
		format = "json"
		if opts.IO.OutTTY && opts.Out == "" {
			format = "table"
		}
	}
	if !slices.Contains(render.Formats, format) && format != "md" {
		return usageErr("--format %q: use one of %s", format, strings.Join(render.Formats, ", "))
	}
	for _, v := range opts.Views {
		if !slices.Contains(render.ViewNames(), v) {
			return usageErr("--view %q: use one of %s", v, strings.Join(render.ViewNames(), ", "))
		}
	}
	if opts.Top < 0 {
		return usageErr("--top must be 0 or more")
	}
	var budget decimal.Decimal
	if opts.Budget != "" {
		b, err := decimal.NewFromString(strings.TrimPrefix(opts.Budget, "$"))
		if err != nil || b.IsNegative() {
			return usageErr("--budget %q: give an amount in USD, like 250 or 99.50", opts.Budget)
		}
		budget = b
	}
	// Load prices first: a bad price file should fail before a long scan.
	book, err := loadBook(ctx, opts)
	if err != nil {
		return err
	}
	rep, err := buildReport(ctx, opts, book, opts.Since, opts.Until)
	if err != nil || rep == nil {
		return err
	}
	out, closeOut, err := opts.output()
	if err != nil {
		return err
	}
	if err := render.Render(out, rep, format, render.Options{Top: opts.Top, Views: opts.Views}); err != nil {
		closeOut()
		return fmt.Errorf("writing the report: %w", err)
	}
	if err := closeOut(); err != nil {
		return fmt.Errorf("writing the report: %w", err)
	}
	return verdict(opts, rep, budget)
}

// buildReport runs the query the options describe, over [since, until), and prices it. A nil
// report with a nil error means the command is done (--print-sql).
func buildReport(ctx context.Context, opts *reportOptions, book *pricing.Book, sinceFlag, untilFlag string) (*analytics.Report, error) {
	f := opts.f
	since, until, err := analytics.ParseRange(sinceFlag, untilFlag, f.Now())
	if err != nil {
		return nil, withCode(exitUsage, err)
	}
	dims, metaKeys, err := analytics.ParseDimensions(splitList(opts.GroupBy))
	if err != nil {
		return nil, withCode(exitUsage, err)
	}
	for _, r := range splitList(opts.Regions) {
		if !regionRE.MatchString(r) {
			return nil, usageErr("--region %q is not an AWS region name (like us-east-1)", r)
		}
	}
	q := analytics.Query{
		Since: since, Until: until,
		Regions: splitList(opts.Regions), Apps: splitList(opts.Apps), Users: splitList(opts.Users), Models: splitList(opts.Models),
		MetadataKeys: metaKeys,
	}
	if err := q.Validate(); err != nil {
		return nil, withCode(exitUsage, err)
	}
	var src analytics.Source
	var where string
	switch opts.Engine {
	case "local":
		if len(opts.athenaSet) > 0 {
			return nil, usageErr("--%s is for --engine athena", opts.athenaSet[0])
		}
		where = opts.Source
		if where == "" {
			where = f.Env("BEDROCK_USAGE_SOURCE")
		}
		if where == "" {
			return nil, usageErr("--source is required with the local engine: a folder, a file or s3://bucket/prefix (or use --engine athena)")
		}
		src, err = newLocalSource(ctx, f, where, opts.Workers)
		if err != nil {
			return nil, err
		}
	case "athena":
		if opts.Source != "" {
			return nil, usageErr("--source is for the local engine; --engine athena reads the Glue table (--database, --table)")
		}
		var done bool
		src, where, done, err = newAthenaSource(ctx, f, q, &opts.Athena)
		if err != nil || done {
			return nil, err
		}
	default:
		return nil, usageErr("--engine %q: use local or athena", opts.Engine)
	}
	res, err := src.Usage(ctx, q)
	if errors.Is(err, athena.ErrBadQuery) {
		return nil, withCode(exitUsage, err)
	}
	if err != nil {
		return nil, err
	}
	return analytics.BuildReport(ctx, q, res, book, analytics.ReportOptions{
		Source: where, GeneratedAt: f.Now(), GroupBy: dims, MetadataKeys: metaKeys,
	})
}

// verdict turns what the report found into the exit code the flags ask for.
func verdict(opts *reportOptions, rep *analytics.Report, budget decimal.Decimal) error {
	// Missing data is said on stderr whatever it is: a report that silently lacks a region
	// or found no logs would mislead a CI job.
	var problems []string
	if len(rep.Failures) > 0 {
		msg := fmt.Sprintf("%d part(s) of the query failed and are missing from the report: %s", len(rep.Failures), strings.Join(rep.Failures, "; "))
		if opts.Strict {
			problems = append(problems, msg)
		} else {
			fmt.Fprintf(opts.IO.ErrOut, "warning: %s\n", msg)
		}
	}
	if rep.Stats.Engine == local.Engine && rep.Stats.Files == 0 {
		msg := fmt.Sprintf("no log files found in %s for %s to %s", rep.Source, rep.Since.Format(time.RFC3339), rep.Until.Format(time.RFC3339))
		if opts.Strict {
			problems = append(problems, msg)
		} else {
			fmt.Fprintf(opts.IO.ErrOut, "warning: %s\n", msg)
		}
	}
	if s := rep.Skipped; opts.Strict && s.Problems() > 0 {
		problems = append(problems, fmt.Sprintf("%d malformed lines, %d unreadable files and %d other records were skipped", s.MalformedLines, s.UnreadableFiles, s.OtherRecords))
	}
	if opts.StrictPricing && rep.Totals.UnpricedCalls > 0 {
		var models []string
		for _, u := range rep.Unpriced {
			models = append(models, u.ModelID+" ("+u.Region+")")
		}
		problems = append(problems, fmt.Sprintf("%d calls are unpriced: %s", rep.Totals.UnpricedCalls, strings.Join(models, ", ")))
	}
	if len(problems) > 0 {
		return withCode(exitData, errors.New(strings.Join(problems, "; ")))
	}
	if opts.Budget != "" && rep.Totals.Cost.GreaterThan(budget) {
		return withCode(exitOverBudget, fmt.Errorf("cost %s USD is over the budget of %s USD", rep.Totals.Cost.StringFixed(2), budget.StringFixed(2)))
	}
	return nil
}

// regionRE is the shape of an AWS region name.
var regionRE = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)

// changedFlags lists which of names were given on the command line.
func changedFlags(cmd *cobra.Command, names ...string) []string {
	var set []string
	for _, n := range names {
		if f := cmd.Flags().Lookup(n); f != nil && f.Changed {
			set = append(set, n)
		}
	}
	return set
}

func (opts *reportOptions) output() (io.Writer, func() error, error) {
	if opts.Out == "" || opts.Out == "-" {
		return opts.IO.Out, func() error { return nil }, nil
	}
	fh, err := os.Create(opts.Out)
	if err != nil {
		return nil, nil, err
	}
	return fh, fh.Close, nil
}

func newLocalSource(ctx context.Context, f *factory, where string, workers int) (analytics.Source, error) {
	var lopts []local.Option
	if workers > 0 {
		lopts = append(lopts, local.WithWorkers(workers))
	}
	if f.IO.ErrTTY {
		lopts = append(lopts, local.WithProgress(f.IO.ErrOut))
	}
	if strings.HasPrefix(where, "s3://") {
		cfg, err := f.AWSConfig(ctx, "")
		if err != nil {
			return nil, fmt.Errorf("loading AWS configuration: %w", err)
		}
		lopts = append(lopts, local.WithAWSConfig(cfg, f.S3Options...))
	}
	return local.New(ctx, where, lopts...)
}

// loadBook loads the embedded price book with the overrides the flags name and, unless
// --offline, a resolver for application inference profiles (bedrock GetInferenceProfile,
// cached on disk; with --offline the cache file alone).
func loadBook(ctx context.Context, opts *reportOptions) (*pricing.Book, error) {
	var popts []pricing.Option
	if opts.Prices != "" {
		popts = append(popts, pricing.WithOverrideFile(opts.Prices))
	}
	if opts.Discount != "" {
		d, err := decimal.NewFromString(strings.TrimSuffix(opts.Discount, "%"))
		if err != nil || d.IsNegative() || d.GreaterThan(decimal.NewFromInt(100)) {
			return nil, usageErr("--discount %q: give a percentage between 0 and 100, like 12.5", opts.Discount)
		}
		popts = append(popts, pricing.WithDiscountPercent(d))
	}
	if opts.ProfileMap != "" {
		popts = append(popts, pricing.WithProfileMapFile(opts.ProfileMap))
	}
	pc, err := newProfileResolver(opts.f, opts.Offline)
	if err != nil {
		return nil, err
	}
	popts = append(popts, pricing.WithProfileResolver(pc))
	book, err := pricing.Load(ctx, popts...)
	if err != nil {
		return nil, fmt.Errorf("loading prices: %w", err)
	}
	return book, nil
}

// splitList splits comma-separated values of repeatable flags and drops empties.
func splitList(in []string) []string {
	var out []string
	for _, v := range in {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" && !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
	}
	return out
}
