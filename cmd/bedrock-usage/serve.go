package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/bedrock-usage/bedrock-usage/analytics"
	"github.com/bedrock-usage/bedrock-usage/analytics/pricing"
	"github.com/bedrock-usage/bedrock-usage/analytics/render"
)

// serveOptions are the flags of `bedrock-usage serve`.
type serveOptions struct {
	report reportOptions
	Addr   string
	Cache  time.Duration
}

func newServeCmd(f *factory) *cobra.Command {
	opts := &serveOptions{report: reportOptions{IO: f.IO, f: f}}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the report as a dashboard page on this machine",
		Long: heredoc.Doc(`
			Serve the usage report as a web page, recomputed from the logs on request.

			The page at / shows the totals, cost per day and every view; the same report is
			at /report.json (the bedrock-usage/report@1 contract), /report.csv and
			/report.md. Query parameters narrow it: since, until, region, app, user, model,
			group-by, top (for example /?since=30d&region=us-east-1&group-by=metadata.team).
			Without them the --since and --until flags apply.

			Reports are cached for --cache, and one report is computed at a time. The
			server listens on 127.0.0.1 unless --addr says otherwise: it has no
			authentication, so put it behind your own proxy before exposing it.
		`),
		Example: heredoc.Doc(`
			$ bedrock-usage serve --source s3://bedrock-logs-123456789012-us-east-1/bedrock-logs/ --since 30d
			$ bedrock-usage serve --engine athena --addr 127.0.0.1:9090 --cache 15m
		`),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.report.athenaSet = changedFlags(cmd, athenaFlagNames...)
			if r := &opts.report; r.Engine == "local" && len(r.athenaSet) > 0 {
				return usageErr("--%s is for --engine athena", r.athenaSet[0])
			}
			return runServe(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	r := &opts.report
	fl.StringVarP(&r.Source, "source", "s", "", "logs to read: a folder, a file, or s3://bucket/prefix (local engine; env BEDROCK_USAGE_SOURCE)")
	fl.StringVar(&r.Engine, "engine", "local", "engine: local or athena")
	fl.StringVar(&r.Since, "since", "", "default start of the page's report (as in report --since)")
	fl.StringVar(&r.Until, "until", "", "default end of the page's report (as in report --until)")
	fl.StringSliceVar(&r.Regions, "region", nil, "default regions (repeatable)")
	fl.IntVar(&r.Top, "top", 20, "lines per view on the page (0: all)")
	fl.StringVar(&r.Prices, "prices", "", "price file layered over the embedded price book")
	fl.StringVar(&r.Discount, "discount", "", "flat discount in percent applied to every cost")
	fl.StringVar(&r.ProfileMap, "profile-map", "", "file mapping application inference profile ARNs or ids to base model ids")
	fl.BoolVar(&r.Offline, "offline", false, "never call bedrock GetInferenceProfile")
	fl.StringVar(&opts.Addr, "addr", "127.0.0.1:8080", "address to listen on")
	fl.DurationVar(&opts.Cache, "cache", 5*time.Minute, "how long a computed report is reused")
	addAthenaFlags(cmd, &r.Athena, false)
	return cmd
}

func runServe(ctx context.Context, opts *serveOptions) error {
	h, err := newDashboard(ctx, opts)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", opts.Addr, err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(opts.report.IO.ErrOut, "Serving the Bedrock usage dashboard on http://%s/ (Ctrl-C stops)\n", ln.Addr())
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(shut)
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// dashboard serves reports over HTTP.
type dashboard struct {
	opts *serveOptions
	book *pricing.Book
	mu   sync.Mutex // one report at a time
	seen map[string]cached
}

type cached struct {
	rep *analytics.Report
	at  time.Time
}

func newDashboard(ctx context.Context, opts *serveOptions) (*dashboard, error) {
	r := &opts.report
	if r.Engine == "local" && r.Source == "" && r.f.Env("BEDROCK_USAGE_SOURCE") == "" {
		return nil, usageErr("--source is required with the local engine: a folder, a file or s3://bucket/prefix (or use --engine athena)")
	}
	book, err := loadBook(ctx, r)
	if err != nil {
		return nil, err
	}
	return &dashboard{opts: opts, book: book, seen: map[string]cached{}}, nil
}

func (d *dashboard) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	format, ctype := "", ""
	switch req.URL.Path {
	case "/", "/index.html":
		format, ctype = "html", "text/html; charset=utf-8"
	case "/report.json":
		format, ctype = "json", "application/json"
	case "/report.csv":
		format, ctype = "csv", "text/csv; charset=utf-8"
	case "/report.md":
		format, ctype = "markdown", "text/markdown; charset=utf-8"
	case "/healthz":
		fmt.Fprintln(w, "ok")
		return
	default:
		http.NotFound(w, req)
		return
	}
	ropts, top, err := d.requestOptions(req.URL.Query())
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	rep, err := d.report(req.Context(), ropts)
	if err != nil {
		code := http.StatusInternalServerError
		var ee *exitErr
		if errors.As(err, &ee) && ee.code == exitUsage {
			code = http.StatusBadRequest
		}
		http.Error(w, err.Error(), code)
		return
	}
	var buf bytes.Buffer
	if err := render.Render(&buf, rep, format, render.Options{Top: top}); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", ctype)
	w.Write(buf.Bytes())
}

// requestOptions applies a request's query parameters to the command's report options.
func (d *dashboard) requestOptions(v url.Values) (*reportOptions, int, error) {
	o := d.opts.report // copy
	set := func(name string, dst *string) {
		if s := v.Get(name); s != "" {
			*dst = s
		}
	}
	list := func(name string, dst *[]string) {
		if s := v[name]; len(s) > 0 {
			*dst = s
		}
	}
	set("since", &o.Since)
	set("until", &o.Until)
	list("region", &o.Regions)
	list("app", &o.Apps)
	list("user", &o.Users)
	list("model", &o.Models)
	list("group-by", &o.GroupBy)
	top := o.Top
	if s := v.Get("top"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return nil, 0, fmt.Errorf("top=%q: want a whole number, 0 for all", s)
		}
		top = n
	}
	return &o, top, nil
}

func (d *dashboard) report(ctx context.Context, o *reportOptions) (*analytics.Report, error) {
	key := strings.Join([]string{o.Since, o.Until, strings.Join(o.Regions, ","), strings.Join(o.Apps, ","),
		strings.Join(o.Users, ","), strings.Join(o.Models, ","), strings.Join(o.GroupBy, ",")}, "|")
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.opts.report.f.Now()
	if c, ok := d.seen[key]; ok && now.Sub(c.at) < d.opts.Cache {
		return c.rep, nil
	}
	rep, err := buildReport(ctx, o, d.book, o.Since, o.Until)
	if err != nil {
		return nil, err
	}
	if rep == nil {
		return nil, errors.New("--print-sql does not apply to serve")
	}
	for k, c := range d.seen {
		if now.Sub(c.at) >= d.opts.Cache {
			delete(d.seen, k)
		}
	}
	d.seen[key] = cached{rep: rep, at: now}
	return rep, nil
}
