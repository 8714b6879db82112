package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/bedrock-usage/bedrock-usage/analytics/render"
)

// renderOptions are the flags of `bedrock-usage render`.
type renderOptions struct {
	IO     *iostreams
	Input  string
	Format string
	Outs   []string
	Views  []string
	Top    int
}

// NewCmdRender is `bedrock-usage render`; runF runs it (renderRun, or a test's).
func NewCmdRender(f *factory, runF func(context.Context, *renderOptions) error) *cobra.Command {
	opts := &renderOptions{IO: f.IO}
	cmd := &cobra.Command{
		Use:   "render FILE",
		Short: "Render a saved JSON report in another format, without reading the logs again",
		Long: heredoc.Doc(`
			Read a report that "bedrock-usage report --format json" wrote (the
			bedrock-usage/report@1 contract; - reads standard input) and write it as a table,
			CSV, Markdown, HTML or JSON. The numbers are the saved report's: nothing is scanned
			or priced again.
		`),
		Example: heredoc.Doc(`
			# The Markdown summary of last night's CI report
			$ bedrock-usage render report.json --format markdown >> "$GITHUB_STEP_SUMMARY"

			# Several formats at once
			$ bedrock-usage render report.json --output report.html --output report.csv
		`),
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageErr("render takes one file (a saved JSON report, or - for standard input), got %d arguments", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Input = args[0]
			return runF(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&opts.Format, "format", "f", "", "output format: "+strings.Join(render.Formats, ", ")+" (default table on a terminal, json otherwise)")
	fl.StringArrayVarP(&opts.Outs, "output", "o", nil, "write to this file instead of standard output (repeatable); the format follows the extension unless --format is given")
	fl.StringSliceVar(&opts.Views, "view", nil, "views to show in table, markdown and csv output: "+strings.Join(render.ViewNames(), ", "))
	fl.IntVar(&opts.Top, "top", 10, "lines per view in table and markdown output (0: all)")
	return cmd
}

func renderRun(_ context.Context, opts *renderOptions) error {
	if opts.Format != "" && !slices.Contains(render.Formats, opts.Format) && opts.Format != "md" {
		return usageErr("--format %q: use one of %s", opts.Format, strings.Join(render.Formats, ", "))
	}
	for _, v := range opts.Views {
		if !slices.Contains(render.ViewNames(), v) {
			return usageErr("--view %q: use one of %s", v, strings.Join(render.ViewNames(), ", "))
		}
	}
	outs, err := outputsFor(opts.Outs, opts.Format, opts.IO.OutTTY)
	if err != nil {
		return err
	}
	var data []byte
	if opts.Input == "-" {
		data, err = io.ReadAll(opts.IO.In)
	} else {
		data, err = os.ReadFile(opts.Input)
	}
	if err != nil {
		return fmt.Errorf("reading the report: %w", err)
	}
	rep, err := render.ParseJSON(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("%s: %w", opts.Input, err)
	}
	for _, o := range outs {
		if err := o.write(opts.IO.Out, rep, render.Options{Top: opts.Top, Views: opts.Views}); err != nil {
			return err
		}
	}
	return nil
}
