package main

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/shopspring/decimal"
	"github.com/spf13/cobra"
)

type pricingListOptions struct {
	IO     *iostreams
	Now    func() time.Time
	At     string
	All    bool
	Format string
	Prices string
	// NoRefreshed leaves the file pricing refresh saved out.
	NoRefreshed bool
	f           *factory
}

// NewCmdPricingList is `bedrock-usage pricing list`; runF runs it.
func NewCmdPricingList(f *factory, runF func(context.Context, *pricingListOptions) error) *cobra.Command {
	opts := &pricingListOptions{IO: f.IO, Now: f.Now, f: f}
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
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runF(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.At, "at", "", "date (2025-12-01) or RFC 3339 time at which the prices apply; default now")
	fl.BoolVar(&opts.All, "all", false, "list every entry, whatever its dates")
	fl.StringVar(&opts.Format, "format", "table", "output format: table, json or csv")
	fl.StringVar(&opts.Prices, "prices", "", "price file layered over the embedded book (same format)")
	fl.BoolVar(&opts.NoRefreshed, "no-refreshed-prices", false, "leave out the price file that pricing refresh saved")
	cmd.MarkFlagsMutuallyExclusive("all", "at")
	return cmd
}

type listEntryJSON struct {
	Model   string   `json:"model"`
	Name    string   `json:"name"`
	Scopes  []string `json:"scopes"`
	Regions []string `json:"regions"`
	Tier    string   `json:"tier"`
	From    string   `json:"effective_from"`
	Until   *string  `json:"effective_until"`
	ratesJSON
	LongContext *ratesJSON `json:"long_context"`
	Source      string     `json:"source"`
	Checked     string     `json:"checked"`
	Note        string     `json:"note,omitempty"`
	Origin      string     `json:"origin"`
}

func pricingListRun(ctx context.Context, opts *pricingListOptions) error {
	if !slices.Contains([]string{"table", "json", "csv"}, opts.Format) {
		return usageErr("--format %q: want table, json or csv", opts.Format)
	}
	at, err := parseAt(opts.At, opts.Now())
	if err != nil {
		return err
	}
	if opts.All {
		at = time.Time{}
	}
	book, err := loadPricingBook(ctx, opts.f, opts.NoRefreshed, opts.Prices, "", nil)
	if err != nil {
		return err
	}
	list := book.Entries(at)
	rows := make([]listEntryJSON, 0, len(list))
	for _, l := range list {
		e := l.Entry
		r := listEntryJSON{Model: e.Model, Name: l.Name, Regions: e.Region, Tier: cmp.Or(e.Tier, "standard"), From: e.From, ratesJSON: *toRatesJSON(&e.Rates),
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
	out := pricingOutput{
		JSON: rows,
		CSVHead: []string{"model", "name", "scopes", "regions", "tier", "effective_from", "effective_until",
			"input_per_mtok", "output_per_mtok", "cache_write_per_mtok", "cache_write_1h_per_mtok", "cache_read_per_mtok",
			"long_context_input_per_mtok", "long_context_output_per_mtok", "long_context_cache_write_per_mtok",
			"long_context_cache_write_1h_per_mtok", "long_context_cache_read_per_mtok", "source", "checked", "origin"},
		TextHead: []string{"MODEL", "SCOPES", "REGIONS", "TIER", "FROM", "UNTIL", "INPUT", "OUTPUT", "CACHE WRITE", "CACHE WRITE 1H", "CACHE READ", "LONG CONTEXT IN/OUT"},
	}
	for i, l := range list {
		e, r := l.Entry, rows[i]
		lcCSV := make([]string, 5)
		if e.LongContext != nil {
			lcCSV = []string{csvRate(e.LongContext.Input), csvRate(e.LongContext.Output), csvRate(e.LongContext.CacheWrite), csvRate(e.LongContext.CacheWrite1h), csvRate(e.LongContext.CacheRead)}
		}
		out.CSVRows = append(out.CSVRows, append([]string{e.Model, l.Name, strings.Join(r.Scopes, " "), strings.Join(e.Region, " "), r.Tier, e.From, e.Until,
			csvRate(e.Input), csvRate(e.Output), csvRate(e.CacheWrite), csvRate(e.CacheWrite1h), csvRate(e.CacheRead)},
			append(lcCSV, e.Source, e.Checked, e.Origin())...))
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
		out.TextRows = append(out.TextRows, []string{e.Model, strings.Join(r.Scopes, ","), regions, r.Tier, e.From, until,
			rateString(e.Input), rateString(e.Output), rateString(e.CacheWrite), rateString(e.CacheWrite1h), rateString(e.CacheRead), lc})
	}
	if opts.Format == "table" && len(list) == 0 {
		fmt.Fprintln(w, "No prices in effect at", at.Format("2006-01-02"))
		return nil
	}
	if err := writePricing(w, opts.Format, out); err != nil || opts.Format != "table" {
		return err
	}
	fmt.Fprintln(w, "\nUSD per million tokens. Cache writes are priced by the TTL the logged bodies state; unknown TTLs at the 5-minute rate.")
	return nil
}

func csvRate(d *decimal.Decimal) string {
	if d == nil {
		return ""
	}
	return d.String()
}
