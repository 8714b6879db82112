package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/shopspring/decimal"
	"github.com/spf13/cobra"

	"github.com/bedrock-usage/bedrock-usage/analytics"
	"github.com/bedrock-usage/bedrock-usage/analytics/cur"
	"github.com/bedrock-usage/bedrock-usage/analytics/engine"
	"github.com/bedrock-usage/bedrock-usage/analytics/render"
	"github.com/bedrock-usage/bedrock-usage/deployment"
	"github.com/bedrock-usage/bedrock-usage/internal/atomicfile"
)

// reconcileOptions are the flags of `bedrock-usage reconcile`.
type reconcileOptions struct {
	IO *iostreams
	f  *factory

	Since, Until string
	Regions      []string
	Bill         string // folder or s3:// prefix of the export; default the CDK app's
	BillRegion   string
	BillTable    string
	Account      string
	Engine       string
	Format       string
	Outs         []string
	Top          int
	MaxDrift     string
	DriftOf      string
	Tolerance    string
	WritePrices  string
	Strict       bool

	prices  priceFlags
	engines *engine.Binding
	changed func(string) bool
}

// billQuerier is an engine that can read the export itself (the Athena engine, with one
// query on the export's Glue table).
type billQuerier interface {
	BillItems(ctx context.Context, env engine.Env, region, table string, since, until time.Time) (*cur.Items, string, error)
}

// billS3 is what reading the export from S3 needs.
type billS3 interface {
	s3.ListObjectsV2APIClient
	GetObject(ctx context.Context, in *s3.GetObjectInput, optFns ...func(*s3.Options)) (*s3.GetObjectOutput, error)
}

var _ billS3 = (*s3.Client)(nil)

// NewCmdReconcile is `bedrock-usage reconcile`; runF runs it (reconcileRun, or a test's).
func NewCmdReconcile(f *factory, runF func(context.Context, *reconcileOptions) error) *cobra.Command {
	opts := &reconcileOptions{IO: f.IO, f: f}
	cmd := &cobra.Command{
		Use:   "reconcile",
		Short: "Set the bill (CUR 2.0) against the logs: drift per day, region, model, token kind and principal",
		Long: heredoc.Doc(`
			Read the Bedrock line items of a Cost and Usage Report 2.0 export (the one the CDK
			app creates with bedrock-usage:cur, or any CUR 2.0 export in Parquet) and set
			them against the logs' calls, priced by the price book, for the same days.

			Per day × region × model × token kind (input, output, cache read, cache write
			5-minute and 1-hour, long context) × scope (regional, global) × tier (standard,
			batch, priority, flex): billed tokens and cost against logged tokens and cost,
			and the drift. Per IAM principal: billed cost by line_item_iam_principal against
			the logs' cost of the same role session or user.

			What one side has and the other does not is listed with what it probably is:
			bedrock-mantle traffic and batch jobs (never in invocation logs), another
			account, a region or day without logging, usage not billed yet (the bill is a
			day or two late). Effective rates (cost ÷ tokens) are set against the book's;
			--write-prices writes them as a price file for --prices.

			The export is read in process from a folder or s3:// prefix of its Parquet files
			(--bill; default the CDK app's bucket in --bill-region), or, with --engine athena,
			by one query on its Glue table; the logs are read by the same engine as report's.
			Days are UTC, as the bill's are. The default period is last month.

			Exit codes: 0 ok, 1 error, 2 usage, 3 drift over --max-drift, a file of the
			export that could not be read while --max-drift is given, or with --strict any
			part that could not be read.
		`),
		Example: heredoc.Doc(`
			# Last month, the CDK app's export against the logs in S3
			$ bedrock-usage reconcile --source s3://bedrock-logs-123456789012-us-east-1/bedrock-logs/

			# A downloaded export, as Markdown for a job summary; fail beyond 2 % drift
			$ bedrock-usage reconcile --bill ./cur --source ./logs --since 2025-11 --max-drift 2 --format markdown

			# Through Athena, and a price file from the rates billed
			$ bedrock-usage reconcile --engine athena --since 2025-11 --write-prices billed-prices.json
		`),
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.changed = f.typed(cmd.Flags())
			return runF(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Since, "since", "", "start of the period (as report's --since: 2025-11, last-month, a date; default last month)")
	fl.StringVar(&opts.Until, "until", "", "end of the period (as report's --until)")
	fl.StringArrayVar(&opts.Regions, "region", nil, "only these regions, on both sides (repeatable or comma-separated)")
	fl.StringVar(&opts.Bill, "bill", "", "the CUR 2.0 export's Parquet files: a folder or an s3://bucket/prefix (default: the CDK app's, "+deployment.CURDataLocation("{account}", "{bill-region}")+")")
	fl.StringVar(&opts.BillRegion, "bill-region", deployment.CURExportRegion, "region of the export's bucket and Glue table (the CDK app's home region)")
	fl.StringVar(&opts.BillTable, "bill-table", deployment.CURTableName, "Glue table of the export (athena engine)")
	fl.StringVar(&opts.Account, "bill-account", "", "account of the default export bucket (default: the caller's)")
	fl.StringVar(&opts.Engine, "engine", engine.DefaultName(), engine.EngineHelp())
	fl.StringVarP(&opts.Format, "format", "f", "", "output format: "+strings.Join(render.Formats, ", ")+" (default table on a terminal, json otherwise)")
	fl.StringArrayVarP(&opts.Outs, "output", "o", nil, "write to this file instead of standard output (repeatable); the format follows the extension unless --format is given")
	fl.IntVar(&opts.Top, "top", 20, "lines, principals and rates in table, markdown and html output (0: all)")
	fl.StringVar(&opts.MaxDrift, "max-drift", "", "exit 3 when the total cost drift (logged against billed) is more than this many percent either way")
	fl.StringVar(&opts.DriftOf, "drift-of", "total", "what --max-drift gates: total (every billed line) or unexplained (without bedrock-mantle, batch and other accounts' usage, which no invocation log can show)")
	fl.StringVar(&opts.Tolerance, "tolerance", "1", "percent of drift within which a line counts as a match")
	fl.StringVar(&opts.WritePrices, "write-prices", "", "write the effective rates billed as a price file (the book's format) to this path, for --prices")
	fl.BoolVar(&opts.Strict, "strict", false, "exit 3 when a file of the export or a part of the logs could not be read")
	opts.prices.addFlags(fl)
	opts.engines = engine.Bind(fl, false)
	return cmd
}

func percentFlag(name, v string) (decimal.Decimal, error) {
	d, err := decimal.NewFromString(strings.TrimSuffix(strings.TrimSpace(v), "%"))
	if err != nil || d.IsNegative() {
		return decimal.Zero, usageErr("--%s %q: give a percentage, like 2 or 0.5", name, v)
	}
	return d, nil
}

func reconcileRun(ctx context.Context, opts *reconcileOptions) error {
	if opts.Format != "" && !slices.Contains(render.Formats, opts.Format) && opts.Format != "md" {
		return usageErr("--format %q: use one of %s", opts.Format, strings.Join(render.Formats, ", "))
	}
	outs, err := outputsFor(opts.Outs, opts.Format, opts.IO.OutTTY)
	if err != nil {
		return err
	}
	tol, err := percentFlag("tolerance", opts.Tolerance)
	if err != nil {
		return err
	}
	var maxDrift *decimal.Decimal
	if opts.MaxDrift != "" {
		d, err := percentFlag("max-drift", opts.MaxDrift)
		if err != nil {
			return err
		}
		maxDrift = &d
	}
	if opts.Top < 0 {
		return usageErr("--top must be 0 or more")
	}
	if opts.DriftOf != "total" && opts.DriftOf != "unexplained" {
		return usageErr("--drift-of %q: use total or unexplained", opts.DriftOf)
	}
	regions, err := regionList(opts.Regions, nil)
	if err != nil {
		return err
	}
	if !regionRE.MatchString(opts.BillRegion) {
		return usageErr("--bill-region %q is not an AWS region name", opts.BillRegion)
	}
	since := opts.Since
	if since == "" && opts.Until == "" {
		since = "last-month"
	}
	from, until, err := analytics.ParseRange(since, opts.Until, opts.f.Now(), time.UTC)
	if err != nil {
		return flagErr(err)
	}
	// The bill's grain is the UTC day: whole days only.
	from = from.UTC().Truncate(24 * time.Hour)
	if t := until.UTC().Truncate(24 * time.Hour); !t.Equal(until.UTC()) {
		until = t.Add(24 * time.Hour)
	}
	cfg, err := opts.engines.Select(opts.Engine, opts.changed)
	if err != nil {
		return usageFrom(err)
	}
	book, err := opts.prices.load(ctx, opts.f)
	if err != nil {
		return err
	}
	env := opts.f.engineEnv()

	// The logs, priced, summed at the comparison's grain.
	src, where, err := cfg.Open(ctx, env)
	if err != nil {
		return usageFrom(err)
	}
	q := analytics.Query{Since: from, Until: until, Regions: regions}
	res, err := src.Usage(ctx, q)
	if err != nil {
		return usageFrom(err)
	}
	logs := cur.NewLogs()
	rep, err := analytics.BuildReport(ctx, q, res, book, analytics.ReportOptions{Source: where, GeneratedAt: opts.f.Now(), Observe: logs.Add, Consume: true})
	if err != nil {
		return err
	}

	// The bill.
	items, billWhere, skipped, err := opts.readBill(ctx, cfg, env, from, until)
	if err != nil {
		return err
	}
	models := book.Models()
	infos := make([]cur.ModelInfo, 0, len(models))
	for id, m := range models {
		infos = append(infos, cur.ModelInfo{ID: id, Name: m.Name, PriceListNames: m.PriceListNames})
	}
	all := items.All()
	if len(regions) > 0 {
		all = slices.DeleteFunc(all, func(it cur.Item) bool { return !slices.Contains(regions, itemRegion(it)) })
	}
	rc := cur.Reconcile(all, logs, cur.Options{Since: from, Until: until, Models: cur.NewModelIndex(infos), Book: book,
		Tolerance: tol, BillSource: billWhere, LogSource: where, GeneratedAt: opts.f.Now()})
	rc.LineItems, rc.BedrockLineItems = items.Read, items.Bedrock
	rc.Skipped = skipped
	for _, f := range rep.Failures {
		rc.Skipped = append(rc.Skipped, "logs: "+f)
	}
	if n := rep.Skipped.Total(); n > 0 {
		rc.Warnings = append(rc.Warnings, fmt.Sprintf("%d log lines or files could not be read (see report --strict)", n))
	}
	if items.NoDate > 0 {
		rc.Warnings = append(rc.Warnings, fmt.Sprintf("%d Bedrock line items have no usage start date and are left out", items.NoDate))
	}
	if maxDrift != nil {
		rc.CheckDrift(*maxDrift, opts.DriftOf == "unexplained")
	}
	if opts.WritePrices != "" {
		pf, notes := rc.PriceFile(billWhere, opts.f.Now(), book)
		data, err := pf.Marshal()
		if err != nil {
			return fmt.Errorf("--write-prices: %w", err)
		}
		if err := atomicfile.WriteFunc(opts.WritePrices, func(w io.Writer) error { _, err := w.Write(data); return err }); err != nil {
			return fmt.Errorf("--write-prices: %w", err)
		}
		fmt.Fprintf(opts.IO.ErrOut, "wrote %d price entries to %s (use it with --prices)\n", len(pf.Entries), opts.WritePrices)
		for _, n := range notes {
			fmt.Fprintln(opts.IO.ErrOut, "note: "+n)
		}
	}
	for _, o := range outs {
		if err := o.writeWith(opts.IO.Out, "the reconciliation", func(w io.Writer, format string) error {
			return render.Reconciliation(w, rc, format, render.ReconcileOptions{Top: opts.Top})
		}); err != nil {
			return err
		}
	}
	switch {
	case rc.OverDrift:
		p := rc.Totals.CostDriftPct
		if opts.DriftOf == "unexplained" {
			p = rc.Totals.UnexplainedDriftPct
		}
		return withCode(exitData, fmt.Errorf("the logs' cost drifts %s%% from the bill's (%s), more than --max-drift %s%%", pctOrNA(p), rc.DriftGate, maxDrift.String()))
	case maxDrift != nil && len(rc.Skipped) > 0:
		return withCode(exitData, fmt.Errorf("%d parts could not be read: the drift is of partial totals, so --max-drift cannot pass", len(rc.Skipped)))
	case opts.Strict && len(rc.Skipped) > 0:
		return withCode(exitData, fmt.Errorf("%d parts could not be read (--strict)", len(rc.Skipped)))
	}
	return nil
}

func pctOrNA(p *decimal.Decimal) string {
	if p == nil {
		return "n/a"
	}
	return p.String()
}

// itemRegion is the region of a bill item: its product_region_code, else its usage type's.
func itemRegion(it cur.Item) string {
	if it.RegionCode != "" {
		return it.RegionCode
	}
	u, _ := cur.ParseUsageType(it.UsageType)
	return u.Region
}

// readBill reads the export: through the engine when it can (Athena, and no --bill), else
// in process from --bill or the CDK app's bucket.
func (opts *reconcileOptions) readBill(ctx context.Context, cfg engine.Config, env engine.Env, since, until time.Time) (*cur.Items, string, []string, error) {
	if bq, ok := cfg.(billQuerier); ok && opts.Bill == "" {
		items, where, err := bq.BillItems(ctx, env, opts.BillRegion, opts.BillTable, since, until)
		if err != nil {
			return nil, "", nil, err
		}
		return items, where, nil, nil
	}
	loc := opts.Bill
	if loc == "" {
		account, err := callerAccount(ctx, opts.f, opts.Account)
		if err != nil {
			return nil, "", nil, fmt.Errorf("the default export location needs the account (or give --bill): %w", err)
		}
		loc = deployment.CURDataLocation(account, opts.BillRegion)
	}
	items := cur.NewItems()
	if strings.HasPrefix(loc, "s3://") {
		bucket, prefix, _ := strings.Cut(strings.TrimPrefix(loc, "s3://"), "/")
		if bucket == "" {
			return nil, "", nil, usageErr("--bill %q: want s3://bucket/prefix", loc)
		}
		awsCfg, err := opts.f.AWSConfig(ctx, opts.BillRegion)
		if err != nil {
			return nil, "", nil, err
		}
		client := s3.NewFromConfig(awsCfg, opts.f.S3Options...)
		n, skipped, err := readBillS3(ctx, client, bucket, prefix, since, until, items)
		if err != nil {
			return nil, "", nil, err
		}
		return items, fmt.Sprintf("%s (%d Parquet files)", loc, n), skipped, nil
	}
	if _, err := os.Stat(loc); err != nil {
		return nil, "", nil, flagErr(fmt.Errorf("--bill: %w", err))
	}
	n, skipped, err := cur.ReadFolder(ctx, loc, since, until, items)
	if err != nil {
		return nil, "", nil, err
	}
	return items, fmt.Sprintf("%s (%d Parquet files)", loc, n), skipped, nil
}

// readBillS3 reads the export's Parquet files under prefix. Each file is fetched to a
// temporary file and read from there (Parquet is read from its end; a file is never held in
// memory whole), then removed.
func readBillS3(ctx context.Context, client billS3, bucket, prefix string, since, until time.Time, items *cur.Items) (int, []string, error) {
	var keys []string
	p := s3.NewListObjectsV2Paginator(client, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return 0, nil, fmt.Errorf("listing s3://%s/%s: %w", bucket, prefix, err)
		}
		for _, o := range page.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
	}
	keys = cur.SelectFiles(keys, since, until)
	var skipped []string
	n := 0
	for _, k := range keys {
		// A file that cannot be fetched (after the SDK's retries) fails the run: a bill read
		// in part would drift for no reason. A file that is not a readable export file is
		// skipped and said.
		if err := fetchAndRead(ctx, client, bucket, k, items); err != nil {
			var bad *badFile
			if !errors.As(err, &bad) {
				return n, skipped, fmt.Errorf("reading s3://%s/%s: %w", bucket, k, err)
			}
			skipped = append(skipped, fmt.Sprintf("s3://%s/%s: %v", bucket, k, bad.err))
			continue
		}
		n++
	}
	return n, skipped, nil
}

// badFile is a fetched file that is not a readable export file.
type badFile struct{ err error }

func (b *badFile) Error() string { return b.err.Error() }

func fetchAndRead(ctx context.Context, client billS3, bucket, key string, items *cur.Items) error {
	out, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return err
	}
	defer out.Body.Close()
	tmp, err := os.CreateTemp("", "bedrock-usage-cur-*.parquet")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	if _, err := io.Copy(tmp, out.Body); err != nil {
		return err
	}
	if err := cur.ReadFile(tmp.Name(), items); err != nil {
		return &badFile{err}
	}
	return nil
}
