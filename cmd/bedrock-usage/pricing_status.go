package main

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"
)

type pricingStatusOptions struct {
	IO     *iostreams
	Now    func() time.Time
	f      *factory
	Format string
	Prices string
}

// NewCmdPricingStatus is `bedrock-usage pricing status`; runF runs it.
func NewCmdPricingStatus(f *factory, runF func(context.Context, *pricingStatusOptions) error) *cobra.Command {
	opts := &pricingStatusOptions{IO: f.IO, Now: f.Now, f: f}
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show which price books apply, their dates and ages",
		Long: heredoc.Doc(`
			Show the price books that price reports, highest precedence first: a --prices
			file, the file "pricing refresh" saved (in the user cache folder; reports layer
			it automatically unless --no-refreshed-prices), and the book embedded in this
			binary. For each: where it is, the day it was built or last checked, its age in
			days and its number of entries. A refreshed file that does not parse is shown
			with the reason it is left out.
		`),
		Example: heredoc.Doc(`
			$ bedrock-usage pricing status
			$ bedrock-usage pricing status --format json
		`),
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runF(cmd.Context(), opts) },
	}
	cmd.Flags().StringVar(&opts.Format, "format", "table", "output format: table, json or csv")
	cmd.Flags().StringVar(&opts.Prices, "prices", "", "price file layered over the books (same format)")
	return cmd
}

type statusJSON struct {
	Kind    string `json:"kind"`
	Name    string `json:"name"`
	Date    string `json:"date"`
	AgeDays *int   `json:"age_days"`
	Entries int    `json:"entries"`
}

func pricingStatusRun(ctx context.Context, opts *pricingStatusOptions) error {
	book, err := loadPricingBook(ctx, opts.f, false, opts.Prices, "", nil)
	if err != nil {
		return err
	}
	now := opts.Now().UTC()
	out := pricingOutput{
		CSVHead:  []string{"kind", "name", "date", "age_days", "entries"},
		TextHead: []string{"BOOK", "FILE", "DATE", "AGE", "ENTRIES"},
	}
	var rows []statusJSON
	for _, b := range book.Books() {
		r := statusJSON{Kind: b.Kind, Name: b.Name, Date: b.Checked, Entries: b.Entries}
		if b.Refreshed != "" {
			r.Date = b.Refreshed
		}
		age, ageText := "", "-"
		if d, err := time.Parse(time.DateOnly, r.Date); err == nil {
			n := int(now.Sub(d).Hours() / 24)
			r.AgeDays = &n
			age, ageText = strconv.Itoa(n), fmt.Sprintf("%d days", n)
		}
		rows = append(rows, r)
		out.CSVRows = append(out.CSVRows, []string{r.Kind, r.Name, r.Date, age, strconv.Itoa(r.Entries)})
		out.TextRows = append(out.TextRows, []string{r.Kind, r.Name, orDash(r.Date), ageText, strconv.Itoa(r.Entries)})
	}
	out.JSON = map[string]any{"books": rows, "warnings": nonNil(book.Warnings())}
	if err := writePricing(opts.IO.Out, opts.Format, out); err != nil {
		return err
	}
	if opts.Format == "table" {
		p, _ := refreshedPath(opts.f)
		refreshed := false
		for _, b := range book.Books() {
			refreshed = refreshed || b.Kind == "refreshed"
		}
		for _, w := range book.Warnings() {
			fmt.Fprintf(opts.IO.Out, "\nLeft out: %s\n", w)
		}
		if !refreshed && len(book.Warnings()) == 0 {
			fmt.Fprintf(opts.IO.Out, "\nNo refreshed price file at %s: bedrock-usage pricing refresh (or --offer-file) writes one.\n", p)
		}
		embeddedChecked, refreshedOn := "", ""
		for _, b := range book.Books() {
			switch b.Kind {
			case "embedded":
				embeddedChecked = b.Checked
			case "refreshed":
				refreshedOn = b.Refreshed
			}
		}
		if refreshedOn != "" && refreshedOn < embeddedChecked {
			fmt.Fprintf(opts.IO.Out, "\nThe refreshed file (%s) is older than the embedded book (checked %s), and its entries win where both price a model: run pricing refresh again, or use --no-refreshed-prices.\n", refreshedOn, embeddedChecked)
		}
	}
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
