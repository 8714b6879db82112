package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/aws/aws-sdk-go-v2/service/bedrock"
	awspricing "github.com/aws/aws-sdk-go-v2/service/pricing"
	"github.com/shopspring/decimal"
	"github.com/spf13/cobra"

	"github.com/bedrock-usage/bedrock-usage/analytics/invocationlog"
	"github.com/bedrock-usage/bedrock-usage/analytics/pricing"
	"github.com/bedrock-usage/bedrock-usage/analytics/pricing/pricelist"
	"github.com/bedrock-usage/bedrock-usage/analytics/pricing/profiles"
)

func newPricingCmd(f *factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "pricing",
		Short: "Inspect and refresh the price book",
		Long: heredoc.Doc(`
			Inspect the price book that bedrock-usage prices usage with, see how one model id
			is priced, and build a price file from the AWS Price List.

			The book is embedded in the binary: USD per million tokens for input, output,
			cache write (5-minute), cache write (1-hour) and cache read, per base model id,
			inference scope (in-region, geo, global), region where prices differ (GovCloud)
			and effective dates. A price file of your own (--prices, same format) is layered
			over it. Models the book does not know are unpriced, never guessed.

			Invocation logs do not say which cache TTL a write used, so cache writes are
			priced at the 5-minute rate.
		`),
		Example: heredoc.Doc(`
			$ bedrock-usage pricing list
			$ bedrock-usage pricing explain us.anthropic.claude-sonnet-4-5-20250929-v1:0
			$ bedrock-usage pricing refresh --out prices.json
		`),
	}
	cmd.AddCommand(newPricingListCmd(f), newPricingExplainCmd(f), newPricingRefreshCmd(f))
	return cmd
}

// ---- shared ----

// parseAt reads --at: a date (its start, 00:00 UTC) or an RFC 3339
// time; empty means now.
func parseAt(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return now.UTC(), nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	return time.Time{}, usageErr("--at %q: give a date (2025-12-01) or an RFC 3339 time", s)
}

// loadPricingBook loads the book with the flags of the pricing commands.
func loadPricingBook(ctx context.Context, prices, profileMap string, resolver pricing.ProfileResolver) (*pricing.Book, error) {
	var opts []pricing.Option
	if prices != "" {
		opts = append(opts, pricing.WithOverrideFile(prices))
	}
	if profileMap != "" {
		opts = append(opts, pricing.WithProfileMapFile(profileMap))
	}
	if resolver != nil {
		opts = append(opts, pricing.WithProfileResolver(resolver))
	}
	b, err := pricing.Load(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("loading prices: %w", err)
	}
	return b, nil
}

// newProfileResolver resolves application inference profiles with bedrock
// GetInferenceProfile in each profile's region, through the factory's AWS configuration,
// cached in cachePath ("" for the user cache directory). The report command can use it too.
func newProfileResolver(f *factory, offline bool) (*profiles.ProfileCache, error) {
	cachePath := f.Env("BEDROCK_USAGE_PROFILE_CACHE")
	if offline {
		// The cache file still answers; nothing new is looked up.
		return profiles.NewProfileCache(func(context.Context, string) (profiles.InferenceProfileGetter, error) {
			return nil, errors.New("not looked up (--offline); give --profile-map")
		}, cachePath)
	}
	// Without credentials every profile lookup would fail the same way, each after the
	// credential chain's own waits: look for credentials once and give up for the run.
	var once sync.Once
	var credErr error
	return profiles.NewProfileCache(func(ctx context.Context, region string) (profiles.InferenceProfileGetter, error) {
		cfg, err := f.AWSConfig(ctx, region)
		if err != nil {
			return nil, fmt.Errorf("loading AWS configuration: %w", err)
		}
		once.Do(func() {
			if cfg.Credentials == nil {
				credErr = errors.New("no credential provider")
				return
			}
			_, credErr = cfg.Credentials.Retrieve(ctx)
		})
		if credErr != nil {
			return nil, fmt.Errorf("no AWS credentials to resolve application inference profiles (give --profile-map, or --offline): %w", credErr)
		}
		return bedrock.NewFromConfig(cfg), nil
	}, cachePath)
}

func rateString(d *decimal.Decimal) string {
	if d == nil {
		return "-"
	}
	return d.String()
}

// rateJSON is a rate as a JSON decimal string, or null.
type rateJSON struct{ d *decimal.Decimal }

func (r rateJSON) MarshalJSON() ([]byte, error) {
	if r.d == nil {
		return []byte("null"), nil
	}
	return json.Marshal(r.d.String())
}

type ratesJSON struct {
	Input        rateJSON `json:"input_per_mtok"`
	Output       rateJSON `json:"output_per_mtok"`
	CacheWrite   rateJSON `json:"cache_write_per_mtok"`
	CacheWrite1h rateJSON `json:"cache_write_1h_per_mtok"`
	CacheRead    rateJSON `json:"cache_read_per_mtok"`
}

func toRatesJSON(r *pricing.Rates) *ratesJSON {
	if r == nil {
		return nil
	}
	return &ratesJSON{rateJSON{r.Input}, rateJSON{r.Output}, rateJSON{r.CacheWrite}, rateJSON{r.CacheWrite1h}, rateJSON{r.CacheRead}}
}

// ---- list ----

type pricingListOptions struct {
	IO     *iostreams
	Now    func() time.Time
	At     string
	All    bool
	Format string
	Prices string
}

func newPricingListCmd(f *factory) *cobra.Command {
	opts := &pricingListOptions{IO: f.IO, Now: f.Now}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the prices in effect",
		Long: heredoc.Doc(`
			List the price book's entries in effect at a date (today by default), or every
			entry with --all: base model id, inference scopes, regions ("*" is every
			commercial region; GovCloud and China regions need entries of their own),
			effective dates, and USD per million tokens for input, output, cache write
			(5-minute and 1-hour), cache read and the long-context tier (requests over
			200K input tokens, cache included), with the entry's source.

			With --prices, the entries of your price file are listed too, first: they take
			precedence over the book's.
		`),
		Example: heredoc.Doc(`
			$ bedrock-usage pricing list
			$ bedrock-usage pricing list --at 2025-06-01 --format csv > prices-2025-06.csv
			$ bedrock-usage pricing list --all --format json | jq '.[] | select(.model | startswith("anthropic."))'
		`),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runPricingList(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.At, "at", "", "date (2025-12-01) or RFC 3339 time at which the prices apply; default now")
	fl.BoolVar(&opts.All, "all", false, "list every entry, whatever its dates")
	fl.StringVar(&opts.Format, "format", "table", "output format: table, json or csv")
	fl.StringVar(&opts.Prices, "prices", "", "price file layered over the embedded book (same format)")
	return cmd
}

type listEntryJSON struct {
	Model   string   `json:"model"`
	Name    string   `json:"name"`
	Scopes  []string `json:"scopes"`
	Regions []string `json:"regions"`
	From    string   `json:"effective_from"`
	Until   *string  `json:"effective_until"`
	ratesJSON
	LongContext *ratesJSON `json:"long_context"`
	Source      string     `json:"source"`
	Checked     string     `json:"checked"`
	Note        string     `json:"note,omitempty"`
	Origin      string     `json:"origin"`
}

func runPricingList(ctx context.Context, opts *pricingListOptions) error {
	if !slices.Contains([]string{"table", "json", "csv"}, opts.Format) {
		return usageErr("--format %q: want table, json or csv", opts.Format)
	}
	if opts.All && opts.At != "" {
		return usageErr("--all and --at cannot be used together")
	}
	at, err := parseAt(opts.At, opts.Now())
	if err != nil {
		return err
	}
	if opts.All {
		at = time.Time{}
	}
	book, err := loadPricingBook(ctx, opts.Prices, "", nil)
	if err != nil {
		return err
	}
	list := book.Entries(at)
	rows := make([]listEntryJSON, 0, len(list))
	for _, l := range list {
		e := l.Entry
		r := listEntryJSON{Model: e.Model, Name: l.Name, Regions: e.Region, From: e.From, ratesJSON: *toRatesJSON(&e.Rates),
			LongContext: toRatesJSON(e.LongContext), Source: e.Source, Checked: e.Checked, Note: e.Note, Origin: e.Origin()}
		if r.Regions == nil {
			r.Regions = []string{}
		}
		if e.Until != "" {
			u := e.Until
			r.Until = &u
		}
		for _, s := range e.Scopes {
			r.Scopes = append(r.Scopes, string(s))
		}
		rows = append(rows, r)
	}
	w := opts.IO.Out
	switch opts.Format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(rows)
	case "csv":
		cw := csv.NewWriter(w)
		cw.Write([]string{"model", "name", "scopes", "regions", "effective_from", "effective_until",
			"input_per_mtok", "output_per_mtok", "cache_write_per_mtok", "cache_write_1h_per_mtok", "cache_read_per_mtok",
			"long_context_input_per_mtok", "long_context_output_per_mtok", "long_context_cache_write_per_mtok",
			"long_context_cache_write_1h_per_mtok", "long_context_cache_read_per_mtok", "source", "checked", "origin"})
		for i, l := range list {
			e, r := l.Entry, rows[i]
			lc := make([]string, 5)
			if e.LongContext != nil {
				lc = []string{csvRate(e.LongContext.Input), csvRate(e.LongContext.Output), csvRate(e.LongContext.CacheWrite), csvRate(e.LongContext.CacheWrite1h), csvRate(e.LongContext.CacheRead)}
			}
			cw.Write(append([]string{e.Model, l.Name, strings.Join(r.Scopes, " "), strings.Join(e.Region, " "), e.From, e.Until,
				csvRate(e.Input), csvRate(e.Output), csvRate(e.CacheWrite), csvRate(e.CacheWrite1h), csvRate(e.CacheRead)},
				append(lc, e.Source, e.Checked, e.Origin())...))
		}
		cw.Flush()
		return cw.Error()
	}
	if len(list) == 0 {
		fmt.Fprintln(w, "No prices in effect at", at.Format("2006-01-02"))
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "MODEL\tSCOPES\tREGIONS\tFROM\tUNTIL\tINPUT\tOUTPUT\tCACHE WRITE\tCACHE WRITE 1H\tCACHE READ\tLONG CONTEXT IN/OUT")
	for i, l := range list {
		e, r := l.Entry, rows[i]
		regions := "*"
		if len(e.Region) > 0 {
			regions = strings.Join(e.Region, ",")
		}
		until := "-"
		if e.Until != "" {
			until = e.Until
		}
		lc := "-"
		if e.LongContext != nil {
			lc = rateString(e.LongContext.Input) + " / " + rateString(e.LongContext.Output)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.Model, strings.Join(r.Scopes, ","), regions, e.From, until,
			rateString(e.Input), rateString(e.Output), rateString(e.CacheWrite), rateString(e.CacheWrite1h), rateString(e.CacheRead), lc)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "\nUSD per million tokens. Cache writes are priced at the 5-minute rate (logs carry no TTL).")
	return nil
}

func csvRate(d *decimal.Decimal) string {
	if d == nil {
		return ""
	}
	return d.String()
}

// ---- explain ----

type pricingExplainOptions struct {
	IO         *iostreams
	Now        func() time.Time
	f          *factory
	ModelID    string
	Region     string
	At         string
	Format     string
	Prices     string
	ProfileMap string
	Offline    bool
}

func newPricingExplainCmd(f *factory) *cobra.Command {
	opts := &pricingExplainOptions{IO: f.IO, Now: f.Now, f: f}
	cmd := &cobra.Command{
		Use:   "explain MODEL_ID",
		Short: "Show how a model id is priced",
		Long: heredoc.Doc(`
			Resolve a model id as it appears in invocation logs and show the price book entry
			that prices it: the base model, the inference scope, the entry that applied and
			why (which file and line, region and dates), and its rates in USD per million
			tokens.

			Every modelId form is understood: a bare id (in-region), a system inference
			profile id with its us., eu., apac., jp., au., ca., us-gov. (geo) or global.
			prefix, their ARNs, a foundation-model ARN (in-region), and an application
			inference profile ARN. An application profile is resolved through --profile-map,
			or else with bedrock GetInferenceProfile (AWS credentials needed; the answer is
			cached in your user cache directory) unless --offline.

			The region defaults to the region of an ARN, or us-east-1. A model the book
			cannot price exits with status 1 and says what was parsed.

			--format json prints one object with the keys model, scope, region,
			effective_from, input_per_mtok, output_per_mtok, cache_write_per_mtok,
			cache_write_1h_per_mtok, cache_read_per_mtok, long_context (an object with the
			same rate keys, or null) and source; rates are decimal strings or null.
		`),
		Example: heredoc.Doc(`
			$ bedrock-usage pricing explain global.anthropic.claude-sonnet-4-5-20250929-v1:0
			$ bedrock-usage pricing explain anthropic.claude-3-5-sonnet-20241022-v2:0 --at 2025-12-01 --region us-west-2
			$ bedrock-usage pricing explain arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3d4 \
			    --profile-map profiles.json --format json
		`),
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ModelID = args[0]
			return runPricingExplain(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Region, "region", "", "region the call was made in (default: the ARN's region, or us-east-1)")
	fl.StringVar(&opts.At, "at", "", "date (2025-12-01) or RFC 3339 time of the call; default now")
	fl.StringVar(&opts.Format, "format", "table", "output format: table or json")
	fl.StringVar(&opts.Prices, "prices", "", "price file layered over the embedded book (same format)")
	fl.StringVar(&opts.ProfileMap, "profile-map", "", "JSON file mapping application inference profile ARNs or ids to model ids")
	fl.BoolVar(&opts.Offline, "offline", false, "never call bedrock GetInferenceProfile")
	return cmd
}

type explainJSON struct {
	Model         string `json:"model"`
	Scope         string `json:"scope"`
	Region        string `json:"region"`
	EffectiveFrom string `json:"effective_from"`
	ratesJSON
	LongContext *ratesJSON `json:"long_context"`
	Source      string     `json:"source"`
}

func runPricingExplain(ctx context.Context, opts *pricingExplainOptions) error {
	if opts.Format != "table" && opts.Format != "json" {
		return usageErr("--format %q: want table or json", opts.Format)
	}
	at, err := parseAt(opts.At, opts.Now())
	if err != nil {
		return err
	}
	ref := invocationlog.ParseModelID(opts.ModelID)
	region := opts.Region
	if region == "" {
		region = ref.Region
	}
	if region == "" {
		region = "us-east-1"
	}
	var resolver pricing.ProfileResolver
	if ref.Kind == invocationlog.ModelAppProfileARN {
		pc, err := newProfileResolver(opts.f, opts.Offline)
		if err != nil {
			return err
		}
		resolver = pc
	}
	book, err := loadPricingBook(ctx, opts.Prices, opts.ProfileMap, resolver)
	if err != nil {
		return err
	}
	ex, err := book.Explain(ctx, opts.ModelID, region, at)
	if err != nil {
		var ue *pricing.UnpricedError
		if errors.As(err, &ue) {
			parsed := fmt.Sprintf("parsed as %s", ref.Kind)
			if ref.Prefix != "" {
				parsed += fmt.Sprintf(", prefix %q", ref.Prefix)
			}
			if ex.Model != "" {
				parsed += fmt.Sprintf(", base model %q, scope %s", ex.Model, ex.Scope)
			}
			return fmt.Errorf("no price for %q in %s on %s: %s (%s)", opts.ModelID, region, at.Format("2006-01-02"), ue.Reason, parsed)
		}
		return err
	}
	e := ex.Entry
	if opts.Format == "json" {
		out := explainJSON{Model: ex.Model, Scope: string(ex.Scope), Region: region, EffectiveFrom: e.From,
			ratesJSON: *toRatesJSON(&e.Rates), LongContext: toRatesJSON(e.LongContext), Source: e.Source}
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(out)
	}
	w := opts.IO.Out
	name := ""
	if ex.Name != "" {
		name = " (" + ex.Name + ")"
	}
	fmt.Fprintf(w, "Model id:    %s\n", opts.ModelID)
	fmt.Fprintf(w, "Resolved:    %s\n", ex.Resolution)
	fmt.Fprintf(w, "Base model:  %s%s\n", ex.Model, name)
	fmt.Fprintf(w, "Scope:       %s\n", ex.Scope)
	fmt.Fprintf(w, "Region:      %s\n", region)
	fmt.Fprintf(w, "At:          %s\n", at.Format(time.RFC3339))
	fmt.Fprintf(w, "Entry:       %s\n", ex.Why)
	fmt.Fprintf(w, "Source:      %s (checked %s)\n", e.Source, e.Checked)
	if e.Note != "" {
		fmt.Fprintf(w, "Note:        %s\n", e.Note)
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "USD PER MILLION TOKENS\tSTANDARD\tLONG CONTEXT (>200K INPUT)")
	lc := func(get func(*pricing.Rates) *decimal.Decimal) string {
		if e.LongContext == nil {
			return "-"
		}
		return rateString(get(e.LongContext))
	}
	for _, r := range []struct {
		name string
		get  func(*pricing.Rates) *decimal.Decimal
	}{
		{"input", func(r *pricing.Rates) *decimal.Decimal { return r.Input }},
		{"output", func(r *pricing.Rates) *decimal.Decimal { return r.Output }},
		{"cache write (5 min; used for logs)", func(r *pricing.Rates) *decimal.Decimal { return r.CacheWrite }},
		{"cache write (1 hour)", func(r *pricing.Rates) *decimal.Decimal { return r.CacheWrite1h }},
		{"cache read", func(r *pricing.Rates) *decimal.Decimal { return r.CacheRead }},
	} {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", r.name, rateString(r.get(&e.Rates)), lc(r.get))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if e.LongContext == nil {
		fmt.Fprintln(w, "\nNo long-context tier: requests over 200K input tokens pay the standard rates.")
	}
	return nil
}

// ---- refresh ----

type pricingRefreshOptions struct {
	IO     *iostreams
	Now    func() time.Time
	f      *factory
	Out    string
	Region string
	Strict bool
}

func newPricingRefreshCmd(f *factory) *cobra.Command {
	opts := &pricingRefreshOptions{IO: f.IO, Now: f.Now, f: f}
	cmd := &cobra.Command{
		Use:   "refresh",
		Short: "Build a price file from the AWS Price List",
		Long: heredoc.Doc(`
			Read every Bedrock model price from the AWS Price List Query API
			(pricing:GetProducts, services AmazonBedrock and AmazonBedrockFoundationModels,
			every page), write them as a price file in the book's format, and print how they
			differ from the embedded book.

			Price List product names are matched exactly to base model ids through the
			book's "price_list_names"; names it does not map are listed, never guessed.
			Prices per 1K and per 1M tokens are both converted to per million. An entry
			without both an input and an output price is refused and listed, never written
			with a zero. Batch, priority, flex, provisioned and latency-optimized prices are
			not on-demand prices and are left out.

			Use the file for review against the embedded book (a pull request that updates
			analytics/pricing/book.json) or directly as --prices for report and explain.

			The Price List API is served from us-east-1, eu-central-1 and ap-south-1
			(--region); it needs the pricing:GetProducts permission. Exit status 3 with
			--strict when entries were refused or names left unmapped.
		`),
		Example: heredoc.Doc(`
			$ bedrock-usage pricing refresh --out prices.json
			$ bedrock-usage report --source ./logs --prices prices.json
		`),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runPricingRefresh(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Out, "out", "", "file to write (default: standard output, with the report on standard error)")
	fl.StringVar(&opts.Region, "region", "us-east-1", "Price List API region: "+strings.Join(pricelist.PriceListRegions, ", "))
	fl.BoolVar(&opts.Strict, "strict", false, "exit 3 when entries were refused or names unmapped")
	return cmd
}

func runPricingRefresh(ctx context.Context, opts *pricingRefreshOptions) error {
	if !slices.Contains(pricelist.PriceListRegions, opts.Region) {
		return usageErr("--region %q: the Price List API is served from %s", opts.Region, strings.Join(pricelist.PriceListRegions, ", "))
	}
	cfg, err := opts.f.AWSConfig(ctx, opts.Region)
	if err != nil {
		return fmt.Errorf("loading AWS configuration: %w", err)
	}
	client := awspricing.NewFromConfig(cfg)
	bookFile, err := pricing.EmbeddedBook()
	if err != nil {
		return err
	}
	book, err := pricing.Load(ctx)
	if err != nil {
		return err
	}
	now := opts.Now()
	res, err := pricelist.Refresh(ctx, client, bookFile, now)
	if err != nil {
		return err
	}
	data, err := res.File.Marshal()
	if err != nil {
		return err
	}
	report := opts.IO.Out
	if opts.Out == "" {
		if _, err := opts.IO.Out.Write(data); err != nil {
			return err
		}
		report = opts.IO.ErrOut
	} else if err := os.WriteFile(opts.Out, data, 0o644); err != nil {
		return fmt.Errorf("writing price file: %w", err)
	}
	dest := opts.Out
	if dest == "" {
		dest = "standard output"
	}
	fmt.Fprintf(report, "Read %d products; wrote %d entries to %s.\n", res.Products, len(res.File.Entries), dest)
	writeList(report, "Refused (incomplete or contradictory, not written)", res.Refused)
	writeList(report, "Price List names with token prices that the book maps to no model id", res.Unmapped)
	writeList(report, "Price dimensions not understood (not used)", res.Skipped)
	diff := pricing.Diff(book, res.File, now)
	if len(diff) == 0 {
		fmt.Fprintln(report, "\nNo differences from the embedded book.")
	} else {
		fmt.Fprintf(report, "\nDifferences from the embedded book (%d):\n", len(diff))
		for _, d := range diff {
			fmt.Fprintln(report, "  "+d.String())
		}
	}
	if opts.Strict && (len(res.Refused) > 0 || len(res.Unmapped) > 0) {
		return withCode(exitData, fmt.Errorf("refresh: %d entries refused, %d names unmapped (--strict)", len(res.Refused), len(res.Unmapped)))
	}
	return nil
}

func writeList(w io.Writer, title string, items []string) {
	if len(items) == 0 {
		return
	}
	fmt.Fprintf(w, "\n%s (%d):\n", title, len(items))
	for _, s := range items {
		fmt.Fprintln(w, "  "+s)
	}
}
