package athena

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awsathena "github.com/aws/aws-sdk-go-v2/service/athena"
)

// fakeAthena speaks Athena's JSON 1.1 protocol (POST /, X-Amz-Target: AmazonAthena.<Op>,
// application/x-amz-json-1.1 bodies, errors as {"__type": …} with a 400) for one region.
// It plays a scripted query: throttles, a sequence of states, result pages.
type fakeAthena struct {
	t *testing.T

	mu sync.Mutex
	// Script.
	startThrottles int      // StartQueryExecution calls answered with TooManyRequestsException first
	pollThrottles  int      // GetQueryExecution calls answered with ThrottlingException first
	pollError      string   // when set, GetQueryExecution fails with this error type after the throttles
	states         []string // GetQueryExecution states in order; the last one repeats
	reason         string   // StateChangeReason of a FAILED or CANCELLED state
	cols           []Column
	rows           [][]*string // result rows, without the header
	pageSize       int         // rows per GetQueryResults page (the header counts on the first)
	scanned        int64
	reused         bool
	outputLocation string
	onPoll         func(n int) // called on the n-th GetQueryExecution (1-based)
	// onStart, when set, runs the query: it is given the SQL and parameters of the
	// accepted StartQueryExecution and sets cols and rows.
	onStart func(f *fakeAthena, sql string, params []string)

	// Observed.
	calls      map[string]int
	starts     []map[string]any
	stopped    []string
	maxResults []float64
	tokens     []string // NextToken of each GetQueryResults call ("" for the first page)
	id         string
}

func newFakeAthena(t *testing.T) (*fakeAthena, *httptest.Server) {
	f := &fakeAthena{t: t, calls: map[string]int{}, states: []string{"SUCCEEDED"}, pageSize: 1000, id: "qid-1"}
	srv := httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(srv.Close)
	return f, srv
}

// client is a real SDK Athena client for the fake, with the engine's retryer (5 attempts,
// millisecond backoff).
func (f *fakeAthena) client(srv *httptest.Server) *awsathena.Client {
	return awsathena.New(awsathena.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(srv.URL),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDTEST", "SECRET", ""),
		HTTPClient:   srv.Client(),
		Retryer:      NewRetryer(5, 4*time.Millisecond),
	})
}

func (f *fakeAthena) count(op string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[op]
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func awsError(w http.ResponseWriter, typ, msg string, extra map[string]any) {
	body := map[string]any{"__type": typ, "Message": msg}
	for k, v := range extra {
		body[k] = v
	}
	w.Header().Set("X-Amzn-ErrorType", typ)
	writeJSON(w, http.StatusBadRequest, body)
}

func (f *fakeAthena) serve(w http.ResponseWriter, r *http.Request) {
	target := r.Header.Get("X-Amz-Target")
	op, ok := strings.CutPrefix(target, "AmazonAthena.")
	if r.Method != http.MethodPost || !ok {
		f.t.Errorf("fake athena: unexpected request %s %s target %q", r.Method, r.URL, target)
		awsError(w, "UnknownOperationException", "bad request", nil)
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/x-amz-json-1.1" {
		f.t.Errorf("fake athena: %s content type %q", op, ct)
	}
	raw, _ := io.ReadAll(r.Body)
	var in map[string]any
	if err := json.Unmarshal(raw, &in); err != nil {
		f.t.Errorf("fake athena: %s body %q: %v", op, raw, err)
	}
	f.mu.Lock()
	f.calls[op]++
	n := f.calls[op]
	f.mu.Unlock()

	switch op {
	case "StartQueryExecution":
		f.mu.Lock()
		f.starts = append(f.starts, in)
		throttle := n <= f.startThrottles
		f.mu.Unlock()
		if throttle {
			awsError(w, "TooManyRequestsException", "Rate exceeded", map[string]any{"Reason": "CONCURRENT_QUERY_LIMIT_EXCEEDED"})
			return
		}
		if f.onStart != nil {
			var params []string
			if ps, ok := in["ExecutionParameters"].([]any); ok {
				for _, p := range ps {
					params = append(params, fmt.Sprint(p))
				}
			}
			sqlText, _ := in["QueryString"].(string)
			f.mu.Lock()
			f.cols, f.rows = nil, nil
			f.onStart(f, sqlText, params)
			f.mu.Unlock()
		}
		writeJSON(w, 200, map[string]any{"QueryExecutionId": f.id})
	case "GetQueryExecution":
		if in["QueryExecutionId"] != f.id {
			awsError(w, "InvalidRequestException", "unknown query", nil)
			return
		}
		if f.onPoll != nil {
			f.onPoll(n)
		}
		if n <= f.pollThrottles {
			awsError(w, "ThrottlingException", "Rate exceeded", nil)
			return
		}
		if f.pollError != "" {
			awsError(w, f.pollError, "something broke", nil)
			return
		}
		n -= f.pollThrottles
		f.mu.Lock()
		state := f.states[min(n, len(f.states))-1]
		stopped := len(f.stopped) > 0
		f.mu.Unlock()
		if stopped {
			state = "CANCELLED"
		}
		status := map[string]any{"State": state, "SubmissionDateTime": 1.7619552e9}
		if state == "FAILED" || state == "CANCELLED" {
			status["StateChangeReason"] = f.reason
			status["AthenaError"] = map[string]any{"ErrorCategory": 2, "ErrorType": 1301, "Retryable": false, "ErrorMessage": f.reason}
		}
		f.mu.Lock()
		scanned, reused, outLoc := f.scanned, f.reused, f.outputLocation
		f.mu.Unlock()
		qe := map[string]any{
			"QueryExecutionId": f.id,
			"Query":            "SELECT …",
			"StatementType":    "DML",
			"WorkGroup":        "bedrock-usage",
			"Status":           status,
			"Statistics": map[string]any{
				"DataScannedInBytes":          scanned,
				"EngineExecutionTimeInMillis": 1234,
				"ResultReuseInformation":      map[string]any{"ReusedPreviousResult": reused},
			},
		}
		if outLoc != "" {
			qe["ResultConfiguration"] = map[string]any{"OutputLocation": outLoc}
		}
		writeJSON(w, 200, map[string]any{"QueryExecution": qe})
	case "GetQueryResults":
		f.mu.Lock()
		if mr, ok := in["MaxResults"].(float64); ok {
			f.maxResults = append(f.maxResults, mr)
		}
		tok, _ := in["NextToken"].(string)
		f.tokens = append(f.tokens, tok)
		f.mu.Unlock()
		f.results(w, in)
	case "StopQueryExecution":
		f.mu.Lock()
		f.stopped = append(f.stopped, fmt.Sprint(in["QueryExecutionId"]))
		f.mu.Unlock()
		writeJSON(w, 200, map[string]any{})
	default:
		awsError(w, "UnknownOperationException", op, nil)
	}
}

// results serves one page: the header row plus rows on the first page, NextToken "p<offset>".
func (f *fakeAthena) results(w http.ResponseWriter, in map[string]any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	offset := 0
	if tok, ok := in["NextToken"].(string); ok {
		fmt.Sscanf(tok, "p%d", &offset)
	}
	var out []map[string]any
	datum := func(v *string) map[string]any {
		if v == nil {
			return map[string]any{}
		}
		return map[string]any{"VarCharValue": *v}
	}
	size := f.pageSize
	if offset == 0 {
		hdr := make([]map[string]any, len(f.cols))
		for i, c := range f.cols {
			hdr[i] = datum(aws.String(c.Name))
		}
		out = append(out, map[string]any{"Data": hdr})
		size--
	}
	end := min(offset+size, len(f.rows))
	for _, row := range f.rows[offset:end] {
		data := make([]map[string]any, len(row))
		for i, v := range row {
			data[i] = datum(v)
		}
		out = append(out, map[string]any{"Data": data})
	}
	infos := make([]map[string]any, len(f.cols))
	for i, c := range f.cols {
		infos[i] = map[string]any{"CatalogName": "hive", "Name": c.Name, "Label": c.Name, "Type": c.Type, "Nullable": "UNKNOWN", "CaseSensitive": c.Type == "varchar"}
	}
	resp := map[string]any{"UpdateCount": 0, "ResultSet": map[string]any{"Rows": out, "ResultSetMetadata": map[string]any{"ColumnInfo": infos}}}
	if end < len(f.rows) {
		resp["NextToken"] = fmt.Sprintf("p%d", end)
	}
	writeJSON(w, 200, resp)
}
