package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/shopspring/decimal"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/bedrock-usage/bedrock-usage/analytics"
	"github.com/bedrock-usage/bedrock-usage/analytics/engine"
	"github.com/bedrock-usage/bedrock-usage/analytics/pricing"
	"github.com/bedrock-usage/bedrock-usage/analytics/render"
	"github.com/bedrock-usage/bedrock-usage/internal/atomicfile"
)

// reportOptions are the flags of `bedrock-usage report`.
type reportOptions struct {
	IO   *iostreams
	f    *factory
	Outs []string // --output files; none for standard output

	reportRequest
	Engine string
	Views  []string
	Format string
	Sort   string

	Strict        bool
	StrictPricing bool
	Budget        string

	prices   priceFlags
	collapse collapseFlags
	compare  compareFlags
	engines  *engine.Binding
	// changed reports which flags were given on the command line.
	changed func(name string) bool
}

// NewCmdReport is `bedrock-usage report`; runF runs it (reportRun, or a test's).
func NewCmdReport(f *factory, runF func(context.Context, *reportOptions) error) *cobra.Command {
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
			$ bedrock-usage report --source s3://bucket/bedrock-logs/ --since yesterday --budget 250

			# Through Athena, every configured region
			$ bedrock-usage report --engine athena --since 2025-11-01
		`),
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if !cmd.Flags().Changed("format") {
				opts.Format = ""
			}
			opts.changed = f.typed(cmd.Flags())
			opts.collapse.bind(cmd.Flags(), f)
			return runF(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	opts.reportRequest.addFlags(fl, 10, false)
	fl.StringVar(&opts.Engine, "engine", engine.DefaultName(), engine.EngineHelp())
	fl.StringSliceVar(&opts.Views, "view", nil, "views to show in table, markdown and csv output: "+strings.Join(render.ViewNames(), ", "))
	fl.StringVarP(&opts.Format, "format", "f", "", "output format: "+strings.Join(render.Formats, ", ")+" (default table on a terminal, json otherwise)")
	fl.StringArrayVarP(&opts.Outs, "output", "o", nil, "write the report to this file instead of standard output (repeatable: several files from one scan); the format follows the extension (.json, .csv, .md, .html, .txt) unless --format is given")
	fl.BoolVar(&opts.Strict, "strict", false, "exit 3 when a line, file or object could not be read (non-log objects such as data/ bodies never count), no log file was found, a filter value matched no call, or a part of the query (an Athena region) failed")
	fl.BoolVar(&opts.StrictPricing, "strict-pricing", false, "exit 3 when any call is unpriced")
	fl.StringVar(&opts.Sort, "sort", "", "order the lines of each view (but daily and hourly) by this measure, largest first: "+strings.Join(analytics.SortKeys(), ", ")+" (default cost)")
	fl.StringVar(&opts.Budget, "budget", "", "exit 4 when the total cost in USD (models and guardrails) exceeds this amount (the report is still written)")
	opts.prices.addFlags(fl)
	opts.collapse.addFlags(fl)
	opts.compare.addFlags(fl)
	opts.engines = engine.Bind(fl, true)
	registerCompletions(cmd, f.Env)
	return cmd
}

func reportRun(ctx context.Context, opts *reportOptions) error {
	if opts.Format != "" && !slices.Contains(render.Formats, opts.Format) && opts.Format != "md" {
		return usageErr("--format %q: use one of %s", opts.Format, strings.Join(render.Formats, ", "))
	}
	outs, err := opts.outputs()
	if err != nil {
		return err
	}
	if opts.Sort != "" && !slices.Contains(analytics.SortKeys(), opts.Sort) {
		return usageErr("--sort %q: use one of %s", opts.Sort, strings.Join(analytics.SortKeys(), ", "))
	}
	for _, v := range opts.Views {
		if !slices.Contains(render.ViewNames(), v) {
			return usageErr("--view %q: use one of %s", v, strings.Join(render.ViewNames(), ", "))
		}
	}
	var budget decimal.Decimal
	if opts.Budget != "" {
		b, err := decimal.NewFromString(strings.TrimPrefix(opts.Budget, "$"))
		if err != nil || b.IsNegative() {
			return usageErr("--budget %q: give an amount in USD, like 250 or 99.50", opts.Budget)
		}
		budget = b
	}
	col, err := newCollapser(&opts.collapse)
	if err != nil {
		return err
	}
	plan, err := opts.compare.plan(opts.changed)
	if err != nil {
		return err
	}
	cfg, err := opts.engines.Select(opts.Engine, opts.changed)
	if err != nil {
		return usageFrom(err)
	}
	q, dims, metaKeys, err := opts.reportRequest.query(opts.f.Now())
	if err != nil {
		return err
	}
	for _, n := range opts.reportRequest.splitNotes() {
		fmt.Fprintln(opts.IO.ErrOut, "note: "+n)
	}
	env := opts.f.engineEnv()
	if x, ok := cfg.(engine.Explainer); ok && x.Explaining() {
		return usageFrom(x.Explain(ctx, env, q))
	}
	// Load prices first: a bad price file should fail before a long scan.
	book, err := opts.prices.load(ctx, opts.f)
	if err != nil {
		return err
	}
	src, where, err := cfg.Open(ctx, env)
	if err != nil {
		return usageFrom(err)
	}
	loc, _ := opts.reportRequest.location() // checked by query
	in := &reportInputs{f: opts.f, src: src, where: where, dims: dims, metaKeys: metaKeys, book: book, loc: loc}
	var daily *analytics.DailyCosts
	if plan.rule != nil {
		daily = analytics.NewDailyCosts(loc)
		daily.FoldUsers(col.folder)
	}
	rep, err := in.build(ctx, q, daily)
	if err != nil {
		return err
	}
	rememberSeen(seenPath(opts.f.Env), rep) // for shell completion
	base, err := plan.extend(ctx, in, q, rep, daily)
	if err != nil {
		return err
	}
	if opts.Budget != "" {
		rep.CheckBudget(budget) // before rendering: every format states the verdict
	}
	if err := writeReport(opts.IO, rep, outs, opts.Sort, render.Options{Top: opts.Top, Views: opts.Views}, col, base); err != nil {
		return err
	}
	return verdict(opts, rep, budget, plan.gateFailures(rep))
}

// usageFrom marks an engine's usage errors (engine.ErrUsage) with the usage exit status.
func usageFrom(err error) error {
	if err != nil && errors.Is(err, engine.ErrUsage) {
		return flagErr(err)
	}
	return err
}

// verdict turns what the report found into the exit code the flags ask for; gates are the
// comparison and anomaly gates it failed (exit 4, as the budget).
func verdict(opts *reportOptions, rep *analytics.Report, budget decimal.Decimal, gates []string) error {
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
	if rep.Scan.NoInput {
		msg := fmt.Sprintf("no log files found in %s for %s to %s", rep.Source, rep.Since.Format(time.RFC3339), rep.Until.Format(time.RFC3339))
		if opts.Strict {
			problems = append(problems, msg)
		} else {
			fmt.Fprintf(opts.IO.ErrOut, "warning: %s\n", msg)
		}
	}
	for _, u := range rep.Filters.Unmatched {
		msg := strings.TrimPrefix(render.UnmatchedLine(u), "Warning: ")
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
	if opts.StrictPricing && rep.Totals.GuardrailUnpricedUnits > 0 {
		problems = append(problems, fmt.Sprintf("%d guardrail units are unpriced", rep.Totals.GuardrailUnpricedUnits))
	}
	if opts.StrictPricing && len(rep.Prices.Warnings) > 0 {
		problems = append(problems, strings.Join(rep.Prices.Warnings, "; "))
	}
	// The budget is on everything the report prices: the model cost and the guardrails'.
	// Every failed gate is listed; a data problem (exit 3) takes precedence over the budget
	// (exit 4), since a total from incomplete or unpriced data cannot clear a budget.
	if opts.Budget != "" && rep.Budget == nil {
		rep.CheckBudget(budget)
	}
	var over error
	if b := rep.Budget; b != nil && b.Over {
		gates = append([]string{fmt.Sprintf("cost %s USD is over the budget of %s USD", b.TotalUSD.StringFixed(2), b.AmountUSD.StringFixed(2))}, gates...)
	}
	if len(gates) > 0 {
		over = errors.New(strings.Join(gates, "; "))
	}
	if len(problems) > 0 {
		if over != nil {
			problems = append(problems, over.Error())
		}
		return withCode(exitData, errors.New(strings.Join(problems, "; ")))
	}
	if over != nil {
		return withCode(exitOverBudget, over)
	}
	return nil
}

// writeReport sorts the report's views (sort "" keeps the default order) and writes it to
// each output; a table on the terminal fits its width and may be in colour.
// Outputs in the formats people read get the report with generated session names folded
// (col; nil folds none).
// A report with a baseline (base; nil for none) is compared with the baseline as folded as
// itself, so that new and vanished users are the folded ones too.
func writeReport(io *iostreams, rep *analytics.Report, outs []reportOutput, sort string, ro render.Options, col *collapser, base *baseline) error {
	if sort != "" {
		if err := rep.SortViews(sort); err != nil {
			return usageErr("%v", err)
		}
	}
	for _, o := range outs {
		r, err := col.report(rep, o.format)
		if err != nil {
			return err
		}
		if base != nil && r != rep {
			b, err := col.report(base.rep, o.format)
			if err != nil {
				return err
			}
			r.Compare(b, base.label)
		}
		opts := ro
		if o.path == "" {
			opts.Width, opts.Color = io.Width, io.Color
		}
		if err := o.write(io.Out, r, opts); err != nil {
			return err
		}
	}
	return nil
}

// reportOutput is one place a report goes: a file (path) or standard output (""), in a
// format.
type reportOutput struct {
	path, format string
}

// extFormats are the formats --output infers from a file's extension.
var extFormats = map[string]string{".json": "json", ".csv": "csv", ".md": "markdown", ".markdown": "markdown", ".html": "html", ".htm": "html", ".txt": "table"}

// outputs are where the report goes: each --output file in --format or the format of its
// extension, or standard output (a table on a terminal, JSON otherwise). Checked before the
// scan, so that a wrong name fails at once.
func (opts *reportOptions) outputs() ([]reportOutput, error) {
	return outputsFor(opts.Outs, opts.Format, opts.IO.OutTTY)
}

// outputsFor are the outputs of --output paths in --format format (see reportOptions.outputs).
func outputsFor(paths []string, format string, outTTY bool) ([]reportOutput, error) {
	stdout := format
	if stdout == "" {
		stdout = "json"
		if outTTY {
			stdout = "table"
		}
	}
	var outs []reportOutput
	for _, p := range paths {
		if p == "-" || p == "" {
			outs = append(outs, reportOutput{format: stdout})
			continue
		}
		f := format
		if f == "" {
			var ok bool
			if f, ok = extFormats[strings.ToLower(filepath.Ext(p))]; !ok {
				return nil, usageErr("--output %q: cannot tell the format from its extension; use .json, .csv, .md, .html or .txt, or give --format", p)
			}
		}
		outs = append(outs, reportOutput{path: p, format: f})
	}
	if len(outs) == 0 {
		outs = append(outs, reportOutput{format: stdout})
	}
	return outs, nil
}

// write renders the report to its output: a file is written whole through a temporary file
// and a rename once the report is rendered, so a failed or interrupted run leaves the
// previous file (a CI artefact, a published page) as it was, never half a report.
func (o reportOutput) write(stdout io.Writer, rep *analytics.Report, ro render.Options) error {
	return o.writeWith(stdout, "the report", func(w io.Writer, format string) error { return render.Render(w, rep, format, ro) })
}

// writeWith renders what (a report, a reconciliation) with fn to the output in its format:
// to standard output, or streamed to the file (a million-line report is not held twice),
// which appears only when whole.
func (o reportOutput) writeWith(stdout io.Writer, what string, fn func(w io.Writer, format string) error) error {
	if o.path == "" {
		if err := fn(stdout, o.format); err != nil {
			return fmt.Errorf("writing %s: %w", what, err)
		}
		return nil
	}
	if err := atomicfile.WriteFunc(o.path, func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 256<<10)
		if err := fn(bw, o.format); err != nil {
			return err
		}
		return bw.Flush()
	}); err != nil {
		return fmt.Errorf("writing %s: %w", what, err)
	}
	return nil
}

// priceFlags are the pricing flags of report and serve.
type priceFlags struct {
	Prices     string
	Discount   string
	ProfileMap string
	Offline    bool
	// NoRefreshed leaves the file pricing refresh saved out.
	NoRefreshed bool
}

func (p *priceFlags) addFlags(fl *pflag.FlagSet) {
	fl.StringVar(&p.Prices, "prices", "", "price file layered over the embedded price book (negotiated or private prices)")
	fl.StringVar(&p.Discount, "discount", "", "flat discount in percent applied to every cost (e.g. 12.5)")
	fl.StringVar(&p.ProfileMap, "profile-map", "", "file mapping application inference profile ARNs or ids to base model ids")
	fl.BoolVar(&p.Offline, "offline", false, "never call bedrock GetInferenceProfile: application inference profiles not in --profile-map or the cache are unpriced")
	fl.BoolVar(&p.NoRefreshed, "no-refreshed-prices", false, "leave out the price file that pricing refresh saved (precedence: --prices, the refreshed file, the embedded book)")
}

// load loads the embedded price book with the overrides the flags name and, unless
// --offline, a resolver for application inference profiles (bedrock GetInferenceProfile,
// cached on disk; with --offline the cache file alone).
func (p *priceFlags) load(ctx context.Context, f *factory) (*pricing.Book, error) {
	popts, err := refreshedOption(f, p.NoRefreshed)
	if err != nil {
		return nil, err
	}
	if p.Prices != "" {
		popts = append(popts, pricing.WithOverrideFile(p.Prices))
	}
	if p.Discount != "" {
		d, err := decimal.NewFromString(strings.TrimSuffix(p.Discount, "%"))
		if err != nil || d.IsNegative() || d.GreaterThan(decimal.NewFromInt(100)) {
			return nil, usageErr("--discount %q: give a percentage between 0 and 100, like 12.5", p.Discount)
		}
		popts = append(popts, pricing.WithDiscountPercent(d))
	}
	if p.ProfileMap != "" {
		popts = append(popts, pricing.WithProfileMapFile(p.ProfileMap))
	}
	pc, err := newProfileResolver(f, p.Offline)
	if err != nil {
		return nil, err
	}
	popts = append(popts, pricing.WithProfileResolver(pc))
	book, err := pricing.Load(ctx, popts...)
	if err != nil {
		return nil, fmt.Errorf("loading prices: %w", err)
	}
	warnPrices(f, book)
	return book, nil
}
