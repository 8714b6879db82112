package main

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"
	"golang.org/x/sync/singleflight"

	"github.com/bedrock-usage/bedrock-usage/analytics"
	"github.com/bedrock-usage/bedrock-usage/analytics/engine"
	"github.com/bedrock-usage/bedrock-usage/analytics/pricing"
	"github.com/bedrock-usage/bedrock-usage/analytics/render"
	"github.com/bedrock-usage/bedrock-usage/analytics/sessions"
)

// serveOptions are the flags of `bedrock-usage serve`.
type serveOptions struct {
	IO *iostreams
	f  *factory
	// defaults is the page's report when a request's query parameters do not say otherwise.
	defaults reportRequest
	Engine   string
	prices   priceFlags
	collapse collapseFlags
	engines  *engine.Binding
	changed  func(name string) bool
	Addr     string
	Cache    time.Duration
	// CacheMB bounds the rendered pages kept (--cache-size, MiB).
	CacheMB int
	// AllowedHosts are more names the server answers to (--allowed-host); AuthToken and
	// AuthTokenFile the token it requires (see serveguard.go).
	AllowedHosts  []string
	AuthToken     string
	AuthTokenFile string
}

// NewCmdServe is `bedrock-usage serve`; runF runs it (serveRun, or a test's).
func NewCmdServe(f *factory, runF func(context.Context, *serveOptions) error) *cobra.Command {
	opts := &serveOptions{IO: f.IO, f: f}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the report as a dashboard page on this machine",
		Long: heredoc.Doc(`
			Serve the usage report as a web page, recomputed from the logs on request.

			The page at / shows the totals, charts (cost per day stacked by application,
			or stack=model, user or region; calls or heat=cost by weekday and hour; shares
			of cost by model and region; top applications and users; tokens by kind), a
			filter bar (a plain GET form; the page's script updates it in place) and every
			view; the same report is
			at /report.json (the bedrock-usage/report@1 contract), /report.csv and
			/report.md. Query parameters narrow it: since, until, region, app, user, model,
			group-by, top (for example /?since=30d&region=us-east-1&group-by=metadata.team),
			and collapse-sessions=1 or 0 (generated session names are folded on the page
			and in /report.md, and kept in /report.json and /report.csv, unless it or
			--collapse-sessions says otherwise); compare=previous and anomalies=1 (with
			anomaly-threshold and anomaly-min-cost) add what report --compare previous
			--anomalies adds. Without them the --since and --until flags apply.

			Rendered pages are cached for --cache, within --cache-size; identical requests
			at once are computed once, different ones in parallel. Parameters are bounded
			(a query string of 8 KiB, 64 values per list, 8 group-by dimensions, top up to
			10000): beyond that the answer is 400 with the reason. The
			server listens on 127.0.0.1 unless --addr says otherwise. It answers only
			requests whose Host is a name it is reached as (127.0.0.1, localhost, [::1],
			the --addr host, --allowed-host), refuses cross-site requests, and sends a
			strict Content-Security-Policy. Off loopback it requires --auth-token (or
			--auth-token-file, or the environment variable): send it as a bearer token, or
			open the page once with ?token=… to get a cookie.
		`),
		Example: heredoc.Doc(`
			$ bedrock-usage serve --source s3://bedrock-logs-123456789012-us-east-1/bedrock-logs/ --since 30d
			$ bedrock-usage serve --engine athena --addr 127.0.0.1:9090 --cache 15m
		`),
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.changed = f.typed(cmd.Flags())
			opts.collapse.bind(cmd.Flags(), f)
			return runF(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	opts.defaults.addFlags(fl, 20, true)
	fl.StringVar(&opts.Engine, "engine", engine.DefaultName(), engine.EngineHelp())
	opts.prices.addFlags(fl)
	opts.collapse.addFlags(fl)
	fl.StringVar(&opts.Addr, "addr", "127.0.0.1:8080", "address to listen on")
	fl.DurationVar(&opts.Cache, "cache", 5*time.Minute, "how long a rendered page is reused")
	fl.IntVar(&opts.CacheMB, "cache-size", defaultCacheMB, "most MiB of rendered pages kept (least recently used go first)")
	fl.StringSliceVar(&opts.AllowedHosts, "allowed-host", nil, "another host name the dashboard answers to (a proxy's name); requests for any other Host get 421")
	fl.StringVar(&opts.AuthToken, "auth-token", "", "token every request must carry (bearer header, or once as ?token=); required off loopback (env "+authTokenEnv+")")
	fl.StringVar(&opts.AuthTokenFile, "auth-token-file", "", "file whose first line is the token (instead of --auth-token)")
	opts.engines = engine.Bind(fl, false)
	registerCompletions(cmd, f.Env)
	return cmd
}

// authTokenEnv gives --auth-token its default.
const authTokenEnv = "BEDROCK_USAGE_AUTH_TOKEN"

func serveRun(ctx context.Context, opts *serveOptions) error {
	d, err := newDashboard(ctx, opts)
	if err != nil {
		return err
	}
	h, err := d.handler()
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", opts.Addr, err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(opts.IO.ErrOut, "Serving the Bedrock usage dashboard on http://%s/ (Ctrl-C stops)\n", ln.Addr())
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

// handler is the dashboard behind its front door (serveguard.go).
func (d *dashboard) handler() (http.Handler, error) {
	o := d.opts
	token := o.AuthToken
	if token == "" && o.AuthTokenFile == "" && o.f.Env != nil {
		token = o.f.Env(authTokenEnv)
	}
	token, err := readToken(token, o.AuthTokenFile)
	if err != nil {
		return nil, err
	}
	return newGuard(d, o.Addr, o.AllowedHosts, token)
}

// dashboard serves reports over HTTP. Rendered pages are cached within --cache-size bytes;
// identical requests in flight at once are computed once (flight), different ones in
// parallel.
type dashboard struct {
	opts   *serveOptions
	folder *sessions.Folder
	book   *pricing.Book
	src    analytics.Source
	where  string
	pages  *pageCache
	flight singleflight.Group
}

// Bounds of a request's parameters: beyond them the answer is 400 with the reason.
const (
	maxQueryBytes  = 8 << 10 // the whole query string
	maxListValues  = 64      // values of one list parameter (region, app, user, model)
	maxGroupBy     = 8       // group-by dimensions
	maxServeTop    = 10000
	defaultCacheMB = 256
)

// newDashboard opens the source once and loads the prices; each request queries the source.
func newDashboard(ctx context.Context, opts *serveOptions) (*dashboard, error) {
	changed := opts.changed
	if changed == nil {
		changed = func(string) bool { return false }
	}
	cfg, err := opts.engines.Select(opts.Engine, changed)
	if err != nil {
		return nil, usageFrom(err)
	}
	folder, err := opts.collapse.folder()
	if err != nil {
		return nil, err
	}
	book, err := opts.prices.load(ctx, opts.f)
	if err != nil {
		return nil, err
	}
	env := opts.f.engineEnv()
	env.Progress = nil // a server's stderr is not a progress line
	src, where, err := cfg.Open(ctx, env)
	if err != nil {
		return nil, usageFrom(err)
	}
	size := opts.CacheMB
	if size <= 0 {
		size = defaultCacheMB
	}
	return &dashboard{opts: opts, folder: folder, book: book, src: src, where: where, pages: newPageCache(int64(size)<<20, opts.Cache)}, nil
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
	case dashboardScript:
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		w.Write(dashboardJS)
		return
	default:
		http.NotFound(w, req)
		return
	}
	if len(req.URL.RawQuery) > maxQueryBytes {
		http.Error(w, fmt.Sprintf("the query string is %d bytes; the dashboard takes at most %d", len(req.URL.RawQuery), maxQueryBytes), http.StatusBadRequest)
		return
	}
	r, err := d.opts.defaults.fromValues(req.URL.Query())
	if err == nil {
		err = r.bounded()
	}
	cf, cerr := d.opts.collapse.fromValue(req.URL.Query().Get("collapse-sessions"))
	if err == nil {
		err = cerr
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	plan, err := servePlan(req.URL.Query())
	if err == nil {
		err = plan.chartParams(req.URL.Query())
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	collapse := cf.wants(format)
	key := format + "\x00" + strconv.Itoa(r.Top) + "\x00" + strconv.FormatBool(collapse) + "\x00" + plan.key() + "\x00" + r.key()
	page, err := d.page(req.Context(), key, format, ctype, r, collapse, plan, pageValues(req.URL.Query()))
	if err != nil {
		code := http.StatusInternalServerError
		var fe *flagError
		if errors.As(err, &fe) {
			code = http.StatusBadRequest
		}
		http.Error(w, err.Error(), code)
		return
	}
	w.Header().Set("Content-Type", page.ctype)
	if name := downloadNames[format]; name != "" {
		// A download link saves a file with a name that says what it is, not "report".
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	}
	w.Write(page.body)
}

// dashboardScript is the path of the page's script; dashboardJS is the script.
const dashboardScript = "/assets/dashboard.js"

//go:embed assets/dashboard.js
var dashboardJS []byte

// pageParams are the query parameters a page keeps in its filter bar and links; the token
// is not one of them.
var pageParams = []string{"since", "until", "timezone", "region", "app", "user", "model", "group-by", "top",
	"collapse-sessions", "stack", "heat", "compare", "anomalies", "anomaly-threshold", "anomaly-min-cost"}

// pageValues are a request's parameters as its page's links carry them.
func pageValues(v url.Values) url.Values {
	out := url.Values{}
	for _, k := range pageParams {
		for _, s := range v[k] {
			if s != "" {
				out.Add(k, s)
			}
		}
	}
	return out
}

// downloadNames are the file names of the formats the page offers as downloads (the JSON
// stays inline: scripts read it).
var downloadNames = map[string]string{"csv": "bedrock-usage-report.csv", "markdown": "bedrock-usage-report.md"}

// page is the rendered page for a request: from the cache, from an identical request in
// flight, or computed now.
func (d *dashboard) page(ctx context.Context, key, format, ctype string, r reportRequest, collapse bool, plan *comparePlan, values url.Values) (*pageEntry, error) {
	now := d.opts.f.Now()
	if p, ok := d.pages.get(key, now); ok {
		return p, nil
	}
	v, err, _ := d.flight.Do(key, func() (any, error) {
		q, dims, metaKeys, err := r.query(now)
		if err != nil {
			return nil, err
		}
		// The report outlives the request that started it: others may be waiting on it.
		loc, _ := r.location() // checked by query
		ctx := context.WithoutCancel(ctx)
		in := &reportInputs{f: d.opts.f, src: d.src, where: d.where, dims: dims, metaKeys: metaKeys, book: d.book, loc: loc, stack: plan.stack}
		var daily *analytics.DailyCosts
		if plan.rule != nil {
			daily = analytics.NewDailyCosts(loc)
			daily.FoldUsers(d.folder)
		}
		rep, err := in.build(ctx, q, daily)
		if err != nil {
			return nil, err
		}
		base, err := plan.extend(ctx, in, q, rep, daily)
		if err != nil {
			return nil, err
		}
		if collapse {
			if rep, err = analytics.CollapseSessions(rep, d.folder); err != nil {
				return nil, err
			}
			if base != nil {
				b, err := analytics.CollapseSessions(base.rep, d.folder)
				if err != nil {
					return nil, err
				}
				rep.Compare(b, base.label)
			}
		}
		var buf bytes.Buffer
		ro := render.Options{Top: r.Top}
		if format == "html" {
			ro.Dashboard = &render.Dashboard{Values: values, Script: dashboardScript}
		}
		if err := render.Render(&buf, rep, format, ro); err != nil {
			return nil, err
		}
		p := &pageEntry{key: key, body: buf.Bytes(), ctype: ctype, at: now}
		d.pages.put(p)
		return p, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*pageEntry), nil
}
