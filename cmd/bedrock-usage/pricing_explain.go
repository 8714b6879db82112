package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/shopspring/decimal"
	"github.com/spf13/cobra"

	"github.com/bedrock-usage/bedrock-usage/analytics/invocationlog"
	"github.com/bedrock-usage/bedrock-usage/analytics/pricing"
)

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
	// NoRefreshed leaves the file pricing refresh saved out.
	NoRefreshed bool
	// Tier is the service tier of the call (--tier).
	Tier string
}

// NewCmdPricingExplain is `bedrock-usage pricing explain`; runF runs it.
func NewCmdPricingExplain(f *factory, runF func(context.Context, *pricingExplainOptions) error) *cobra.Command {
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
			profile id with its us., eu., apac., jp., au., ca., in., us-gov. (geo) or global.
			prefix, their ARNs, a foundation-model ARN (in-region), and an application
			inference profile ARN. An application profile is resolved through --profile-map,
			or else with bedrock GetInferenceProfile (AWS credentials needed; the answer is
			cached in your user cache directory) unless --offline.

			The region defaults to the region of an ARN, or us-east-1. A model the book
			cannot price exits with status 1 and says what was parsed.

			--format json prints one object with the keys model, scope, region,
			effective_from, input_per_mtok, output_per_mtok, cache_write_per_mtok,
			cache_write_1h_per_mtok, cache_read_per_mtok, long_context (an object with the
			same rate keys, or null), long_context_threshold (input tokens, cache included,
			above which long_context applies), tier and source; rates are decimal strings or
			null.

			--tier priority or flex explains the price of a call the log says that service
			tier served (Converse responses state it; other calls are priced as standard).
		`),
		Example: heredoc.Doc(`
			$ bedrock-usage pricing explain global.anthropic.claude-sonnet-4-5-20250929-v1:0
			$ bedrock-usage pricing explain anthropic.claude-3-5-sonnet-20241022-v2:0 --at 2025-12-01 --region us-west-2
			$ bedrock-usage pricing explain arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3d4 \
			    --profile-map profiles.json --format json
		`),
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ModelID = args[0]
			return runF(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Region, "region", "", "region the call was made in (default: the ARN's region, or us-east-1)")
	fl.StringVar(&opts.At, "at", "", "date (2025-12-01) or RFC 3339 time of the call; default now")
	fl.StringVar(&opts.Format, "format", "table", "output format: table or json")
	fl.StringVar(&opts.Prices, "prices", "", "price file layered over the embedded book (same format)")
	fl.StringVar(&opts.ProfileMap, "profile-map", "", "JSON file mapping application inference profile ARNs or ids to model ids")
	fl.BoolVar(&opts.Offline, "offline", false, "never call bedrock GetInferenceProfile")
	fl.BoolVar(&opts.NoRefreshed, "no-refreshed-prices", false, "leave out the price file that pricing refresh saved")
	fl.StringVar(&opts.Tier, "tier", "standard", "service tier of the call: standard, priority, flex, or batch (batch inference jobs)")
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
	Tier        string     `json:"tier"`
	// LongContextThreshold is where the long_context rates start (input tokens, cache
	// included).
	LongContextThreshold int64 `json:"long_context_threshold"`
}

func pricingExplainRun(ctx context.Context, opts *pricingExplainOptions) error {
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
	book, err := loadPricingBook(ctx, opts.f, opts.NoRefreshed, opts.Prices, opts.ProfileMap, resolver)
	if err != nil {
		return err
	}
	tier := opts.Tier
	switch tier {
	case "standard", pricing.TierDefault, "":
		tier = ""
	case pricing.TierPriority, pricing.TierFlex, pricing.TierBatch:
	default:
		return usageErr("--tier %q: want standard, priority, flex or batch", opts.Tier)
	}
	ex, err := book.ExplainTier(ctx, opts.ModelID, region, tier, at)
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
			ratesJSON: *toRatesJSON(&e.Rates), LongContext: toRatesJSON(e.LongContext), Source: e.Source,
			Tier: cmp.Or(e.Tier, "standard"), LongContextThreshold: e.Threshold()}
		return writePricing(opts.IO.Out, "json", pricingOutput{JSON: out})
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
	fmt.Fprintf(w, "Tier:        %s\n", cmp.Or(e.Tier, "standard"))
	fmt.Fprintf(w, "Region:      %s\n", region)
	fmt.Fprintf(w, "At:          %s\n", at.Format(time.RFC3339))
	fmt.Fprintf(w, "Entry:       %s\n", ex.Why)
	fmt.Fprintf(w, "Source:      %s (checked %s)\n", e.Source, e.Checked)
	if e.Note != "" {
		fmt.Fprintf(w, "Note:        %s\n", e.Note)
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "USD PER MILLION TOKENS\tSTANDARD\tLONG CONTEXT (>%dK INPUT)\n", e.Threshold()/1000)
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
		{"cache write (5m; also unknown TTL)", func(r *pricing.Rates) *decimal.Decimal { return r.CacheWrite }},
		{"cache write (1 hour)", func(r *pricing.Rates) *decimal.Decimal { return r.CacheWrite1h }},
		{"cache read", func(r *pricing.Rates) *decimal.Decimal { return r.CacheRead }},
	} {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", r.name, rateString(r.get(&e.Rates)), lc(r.get))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	switch {
	case e.FlatLongContext:
		fmt.Fprintln(w, "\nNo long-context tier: requests over 200K input tokens pay the standard rates.")
	case e.LongContext == nil:
		fmt.Fprintln(w, "\nNo long-context rates: a request over 200K input tokens (cache included) is unpriced.")
	}
	return nil
}
