package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/MakeNowJust/heredoc"
	awspricing "github.com/aws/aws-sdk-go-v2/service/pricing"
	"github.com/spf13/cobra"

	"github.com/bedrock-usage/bedrock-usage/analytics/pricing"
	"github.com/bedrock-usage/bedrock-usage/analytics/pricing/pricelist"
	"github.com/bedrock-usage/bedrock-usage/internal/atomicfile"
)

type pricingRefreshOptions struct {
	IO     *iostreams
	Now    func() time.Time
	f      *factory
	Out    string
	Region string
	Strict bool
	// OfferFiles are AWS Price List bulk offer files to read instead of the Query API.
	OfferFiles []string
	// NoSave keeps the result out of the refreshed-prices file that reports layer.
	NoSave bool
}

// NewCmdPricingRefresh is `bedrock-usage pricing refresh`; runF runs it.
func NewCmdPricingRefresh(f *factory, runF func(context.Context, *pricingRefreshOptions) error) *cobra.Command {
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

			The result is also saved, dated, as the refreshed price file in your user cache
			folder (--no-save skips that): report, serve, pricing explain and pricing list
			layer it over the embedded book (--no-refreshed-prices leaves it out; pricing
			status shows it). Use --out for review against the embedded book (a pull request
			that updates analytics/pricing/book.json).

			--offer-file reads AWS Price List bulk offer files (the public index.json of the
			AmazonBedrock and AmazonBedrockFoundationModels offers) instead of the API: no
			credentials needed.

			The Price List API is served from us-east-1, eu-central-1 and ap-south-1
			(--region); it needs the pricing:GetProducts permission. Exit status 3 with
			--strict when entries were refused or names left unmapped.
		`),
		Example: heredoc.Doc(`
			$ bedrock-usage pricing refresh --out prices.json
			$ bedrock-usage report --source ./logs --prices prices.json
		`),
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runF(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Out, "out", "", "file to write (default: standard output, with the report on standard error)")
	fl.StringVar(&opts.Region, "region", "us-east-1", "Price List API region: "+strings.Join(pricelist.PriceListRegions, ", "))
	fl.BoolVar(&opts.Strict, "strict", false, "exit 3 when entries were refused or names unmapped")
	fl.StringSliceVar(&opts.OfferFiles, "offer-file", nil, "read these AWS Price List bulk offer files (index.json of the AmazonBedrock and AmazonBedrockFoundationModels offers) instead of calling the API: no credentials needed")
	fl.BoolVar(&opts.NoSave, "no-save", false, "do not save the result as the refreshed price file that report, serve and pricing explain layer over the embedded book")
	return cmd
}

func pricingRefreshRun(ctx context.Context, opts *pricingRefreshOptions) error {
	if !slices.Contains(pricelist.PriceListRegions, opts.Region) {
		return usageErr("--region %q: the Price List API is served from %s", opts.Region, strings.Join(pricelist.PriceListRegions, ", "))
	}
	bookFile, err := pricing.EmbeddedBook()
	if err != nil {
		return err
	}
	book, err := pricing.Load(ctx)
	if err != nil {
		return err
	}
	now := opts.Now()
	var res *pricelist.RefreshResult
	if len(opts.OfferFiles) > 0 {
		files := map[string]io.Reader{}
		for _, name := range opts.OfferFiles {
			fh, err := os.Open(name)
			if err != nil {
				return fmt.Errorf("--offer-file: %w", err)
			}
			defer fh.Close()
			files[name] = fh
		}
		if res, err = pricelist.OfferFiles(files, bookFile, now); err != nil {
			return err
		}
	} else {
		cfg, err := opts.f.AWSConfig(ctx, opts.Region)
		if err != nil {
			return fmt.Errorf("loading AWS configuration: %w", err)
		}
		if res, err = pricelist.Refresh(ctx, awspricing.NewFromConfig(cfg), bookFile, now); err != nil {
			return err
		}
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
	if !opts.NoSave {
		saved, err := refreshedPath(opts.f)
		if err == nil {
			err = atomicfile.Write(saved, data)
		}
		if err != nil {
			return fmt.Errorf("saving the refreshed prices: %w", err)
		}
		fmt.Fprintf(report, "Saved as the refreshed price file %s: report, serve and pricing explain now layer it over the embedded book (--no-refreshed-prices leaves it out).\n", saved)
	}
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
