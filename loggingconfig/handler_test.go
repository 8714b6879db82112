package loggingconfig

import (
	"context"
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
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/bedrock"
	"github.com/google/go-cmp/cmp"
)

// fakeError is an error the fake control plane answers with.
type fakeError struct {
	status int
	code   string
	msg    string
}

// fakeBedrock is a Bedrock control plane that holds one region's logging configuration and
// speaks the REST-JSON protocol of GET/PUT/DELETE /logging/modelinvocations.
type fakeBedrock struct {
	mu     sync.Mutex
	config map[string]any // nil: none
	// getErrs answer the next Get calls, one each; putErr and deleteErr every call.
	getErrs   []fakeError
	putErr    *fakeError
	deleteErr *fakeError
	calls     []string
}

func (f *fakeBedrock) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, r.Method)
	if r.URL.Path != "/logging/modelinvocations" {
		f.fail(w, fakeError{404, "ResourceNotFoundException", "no such path " + r.URL.Path})
		return
	}
	if r.Header.Get("Authorization") == "" {
		f.fail(w, fakeError{403, "UnrecognizedClientException", "unsigned request"})
		return
	}
	switch r.Method {
	case http.MethodGet:
		if len(f.getErrs) > 0 {
			e := f.getErrs[0]
			f.getErrs = f.getErrs[1:]
			f.fail(w, e)
			return
		}
		out := map[string]any{}
		if f.config != nil {
			out["loggingConfig"] = f.config
		}
		f.json(w, out)
	case http.MethodPut:
		var in struct {
			LoggingConfig map[string]any `json:"loggingConfig"`
		}
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.LoggingConfig == nil {
			f.fail(w, fakeError{400, "ValidationException", fmt.Sprintf("bad body: %v", err)})
			return
		}
		if f.putErr != nil {
			f.fail(w, *f.putErr)
			return
		}
		f.config = in.LoggingConfig
		f.json(w, map[string]any{})
	case http.MethodDelete:
		if f.deleteErr != nil {
			f.fail(w, *f.deleteErr)
			return
		}
		f.config = nil
		f.json(w, map[string]any{})
	default:
		f.fail(w, fakeError{405, "ValidationException", "method " + r.Method})
	}
}

func (f *fakeBedrock) json(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func (f *fakeBedrock) fail(w http.ResponseWriter, e fakeError) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-Errortype", e.code)
	w.WriteHeader(e.status)
	_ = json.NewEncoder(w).Encode(map[string]string{"message": e.msg})
}

// state is the configuration the fake holds.
func (f *fakeBedrock) state(t *testing.T) Config {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.config == nil {
		return Config{}
	}
	b, _ := json.Marshal(f.config)
	var a apiConfig
	if err := json.Unmarshal(b, &a); err != nil {
		t.Fatal(err)
	}
	return a.config()
}

// cfnServer captures the responses PUT to the pre-signed ResponseURL.
type cfnServer struct {
	mu        sync.Mutex
	responses []Response
	bad       []string
}

func (c *cfnServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	defer c.mu.Unlock()
	b, _ := io.ReadAll(r.Body)
	if r.Method != http.MethodPut || r.URL.Query().Get("X-Amz-Signature") != "sig" {
		c.bad = append(c.bad, r.Method+" "+r.URL.String())
		w.WriteHeader(http.StatusForbidden)
		return
	}
	var resp Response
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&resp); err != nil {
		c.bad = append(c.bad, "body "+string(b)+": "+err.Error())
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	if len(b) > maxResponse {
		c.bad = append(c.bad, fmt.Sprintf("body of %d bytes", len(b)))
	}
	c.responses = append(c.responses, resp)
}

// env is a handler wired to a fake Bedrock and a CloudFormation response endpoint, through
// the real SDK client.
type env struct {
	bedrock *fakeBedrock
	cfn     *cfnServer
	handler *Handler
	cfnURL  string
}

func newEnv(t *testing.T, existing *Config) *env {
	t.Helper()
	e := &env{bedrock: &fakeBedrock{}, cfn: &cfnServer{}}
	if existing != nil {
		e.bedrock.config = existing.SDKJSON()
	}
	bsrv := httptest.NewServer(e.bedrock)
	t.Cleanup(bsrv.Close)
	csrv := httptest.NewServer(e.cfn)
	t.Cleanup(csrv.Close)
	e.cfnURL = csrv.URL + "/response?X-Amz-Signature=sig"
	client := bedrock.New(bedrock.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(bsrv.URL),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
		HTTPClient:   bsrv.Client(),
		// The standard retryer, as in production, with the waits shortened.
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return time.Millisecond, nil })
		}),
	})
	e.handler = &Handler{Bedrock: client, Region: "us-east-1", HTTP: csrv.Client(), Log: io.Discard}
	return e
}

// do sends one request through Handle and returns the response CloudFormation received.
func (e *env) do(t *testing.T, ev Event) Response {
	t.Helper()
	ev.ResponseURL = e.cfnURL
	ev.StackID = "arn:aws:cloudformation:us-east-1:123456789012:stack/BedrockUsage-us-east-1/guid"
	ev.LogicalResourceID = "InvocationLoggingConfigurationF4938977"
	ev.ResourceType = "Custom::BedrockInvocationLogging"
	if ev.RequestID == "" {
		ev.RequestID = "req-" + ev.RequestType
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	before := len(e.cfn.responses)
	if err := e.handler.Handle(ctx, ev); err != nil {
		t.Fatalf("Handle: %v", err)
	}
	e.cfn.mu.Lock()
	defer e.cfn.mu.Unlock()
	if len(e.cfn.bad) > 0 {
		t.Fatalf("bad responses: %v", e.cfn.bad)
	}
	if got := len(e.cfn.responses) - before; got != 1 {
		t.Fatalf("got %d responses, want 1", got)
	}
	r := e.cfn.responses[len(e.cfn.responses)-1]
	if r.StackID != ev.StackID || r.RequestID != ev.RequestID || r.LogicalResourceID != ev.LogicalResourceID {
		t.Errorf("response identifies %s/%s/%s, want the request's %s/%s/%s", r.StackID, r.RequestID, r.LogicalResourceID, ev.StackID, ev.RequestID, ev.LogicalResourceID)
	}
	if r.Reason == "" {
		t.Error("response without a reason")
	}
	return r
}

// The stack's configuration (as the default app sets it) and others.
var (
	stackConfig = Config{S3: S3{"bedrock-logs-123456789012-us-east-1", "bedrock-logs"}, Text: true, Image: true, Embedding: true}
	otherConfig = Config{S3: S3{"acme-central-logs", "bedrock/prod"}, CloudWatch: CloudWatch{LogGroup: "/acme/bedrock", RoleArn: "arn:aws:iam::123456789012:role/AcmeDelivery"}, Text: true}
	changed     = Config{S3: S3{"someone-elses-bucket", "x"}, Text: true}
	newConfig   = Config{S3: S3{"bedrock-logs-123456789012-us-east-1", "bedrock-logs"}, Text: true, Image: true, Embedding: true, Video: true}
)

// props are the resource properties as CloudFormation delivers them: every scalar a string.
func props(c Config, replace bool) map[string]any {
	b, _ := json.Marshal(c.SDKJSON())
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	stringify(m)
	return map[string]any{
		"ServiceToken":      "arn:aws:lambda:us-east-1:123456789012:function:BedrockUsage-InvocationLogging",
		PropLoggingConfig:   m,
		PropReplaceExisting: fmt.Sprint(replace),
	}
}

func stringify(m map[string]any) {
	for k, v := range m {
		switch v := v.(type) {
		case bool:
			m[k] = fmt.Sprint(v)
		case map[string]any:
			stringify(v)
		}
	}
}

// legacyProps are the properties of the AwsCustomResource of earlier versions.
func legacyProps(c Config) map[string]any {
	put, _ := json.Marshal(map[string]any{
		"action": "PutModelInvocationLoggingConfiguration", "service": "bedrock",
		"parameters":         map[string]any{"loggingConfig": c.SDKJSON()},
		"physicalResourceId": map[string]any{"id": "bedrock-invocation-logging-us-east-1"},
	})
	return map[string]any{
		"ServiceToken":        "arn:aws:lambda:us-east-1:123456789012:function:BedrockUsage-InvocationLogging",
		"Create":              string(put),
		"Update":              string(put),
		"Delete":              `{"action":"DeleteModelInvocationLoggingConfiguration","service":"bedrock"}`,
		"InstallLatestAwsSdk": "false",
	}
}

var (
	idSet      = PhysicalID(ModeSet, Config{})
	idAdopted  = PhysicalID(ModeAdopted, Config{})
	idFailed   = PhysicalID(ModeFailed, Config{})
	idReplaced = PhysicalID(ModeReplaced, otherConfig)
	idLegacy   = "bedrock-invocation-logging-us-east-1"
)

func ptr(c Config) *Config { return &c }

func TestHandler(t *testing.T) {
	throttled := fakeError{429, "ThrottlingException", "Rate exceeded"}
	tests := []struct {
		name      string
		existing  *Config // Bedrock's configuration before the request; nil: none
		ev        Event
		getErrs   []fakeError
		putErr    *fakeError
		want      Response // Reason is checked by wantReason
		wantIn    []string // substrings of the reason
		wantCalls []string
		wantAfter Config // Bedrock's configuration afterwards
	}{
		{
			name:      "create with none puts",
			ev:        Event{RequestType: "Create", ResourceProperties: props(stackConfig, false)},
			want:      Response{Status: StatusSuccess, PhysicalResourceID: idSet, Data: map[string]string{DataMode: "set"}},
			wantIn:    []string{"no logging configuration was set in us-east-1", "bedrock-logs-123456789012-us-east-1"},
			wantCalls: []string{"GET", "PUT"},
			wantAfter: stackConfig,
		},
		{
			name:      "create with identical adopts without a put",
			existing:  ptr(stackConfig),
			ev:        Event{RequestType: "Create", ResourceProperties: props(stackConfig, false)},
			want:      Response{Status: StatusSuccess, PhysicalResourceID: idAdopted, Data: map[string]string{DataMode: "adopted"}},
			wantIn:    []string{"identical", "adopted"},
			wantCalls: []string{"GET"},
			wantAfter: stackConfig,
		},
		{
			name:      "create with different refuses",
			existing:  ptr(otherConfig),
			ev:        Event{RequestType: "Create", ResourceProperties: props(stackConfig, false)},
			want:      Response{Status: StatusFailed, PhysicalResourceID: idFailed, Data: map[string]string{DataMode: "failed"}},
			wantIn:    []string{`bucket "acme-central-logs" prefix "bedrock/prod"`, "/acme/bedrock", "bedrock-usage:replaceExistingLogging", "left unchanged"},
			wantCalls: []string{"GET"},
			wantAfter: otherConfig,
		},
		{
			name:     "create with different and replace keeps the previous",
			existing: ptr(otherConfig),
			ev:       Event{RequestType: "Create", ResourceProperties: props(stackConfig, true)},
			want: Response{Status: StatusSuccess, PhysicalResourceID: idReplaced, Data: map[string]string{DataMode: "replaced",
				DataPrevious: `{"cloudWatchConfig":{"logGroupName":"/acme/bedrock","roleArn":"arn:aws:iam::123456789012:role/AcmeDelivery"},"embeddingDataDeliveryEnabled":false,"imageDataDeliveryEnabled":false,"s3Config":{"bucketName":"acme-central-logs","keyPrefix":"bedrock/prod"},"textDataDeliveryEnabled":true,"videoDataDeliveryEnabled":false}`}},
			wantIn:    []string{"replaced the existing logging configuration", "acme-central-logs", "restores"},
			wantCalls: []string{"GET", "PUT"},
			wantAfter: stackConfig,
		},
		{
			name:      "create whose put fails",
			ev:        Event{RequestType: "Create", ResourceProperties: props(stackConfig, false)},
			putErr:    &fakeError{400, "ValidationException", "Failed to validate permissions for log group and/or s3 bucket"},
			want:      Response{Status: StatusFailed, PhysicalResourceID: idFailed, Data: map[string]string{DataMode: "failed"}},
			wantIn:    []string{"ValidationException", "Failed to validate permissions", "nothing was changed", "bucket policy"},
			wantCalls: []string{"GET", "PUT"},
		},
		{
			name:      "rollback delete after a failed create does nothing",
			existing:  ptr(otherConfig),
			ev:        Event{RequestType: "Delete", PhysicalResourceID: idFailed, ResourceProperties: props(stackConfig, false)},
			want:      Response{Status: StatusSuccess, PhysicalResourceID: idFailed, Data: map[string]string{DataMode: "failed"}},
			wantIn:    []string{"the create failed and changed nothing"},
			wantAfter: otherConfig,
		},
		{
			name:      "create with get throttled retries",
			ev:        Event{RequestType: "Create", ResourceProperties: props(stackConfig, false)},
			getErrs:   []fakeError{throttled, throttled},
			want:      Response{Status: StatusSuccess, PhysicalResourceID: idSet, Data: map[string]string{DataMode: "set"}},
			wantIn:    []string{"no logging configuration was set"},
			wantCalls: []string{"GET", "GET", "GET", "PUT"},
			wantAfter: stackConfig,
		},
		{
			name:      "create with get throttled past the retries fails",
			existing:  ptr(otherConfig),
			ev:        Event{RequestType: "Create", ResourceProperties: props(stackConfig, true)},
			getErrs:   []fakeError{throttled, throttled, throttled},
			want:      Response{Status: StatusFailed, PhysicalResourceID: idFailed, Data: map[string]string{DataMode: "failed"}},
			wantIn:    []string{"could not read the current model invocation logging configuration", "ThrottlingException", "Rate exceeded", "nothing was changed"},
			wantCalls: []string{"GET", "GET", "GET"},
			wantAfter: otherConfig,
		},
		{
			name:      "create with get access denied fails",
			ev:        Event{RequestType: "Create", ResourceProperties: props(stackConfig, false)},
			getErrs:   []fakeError{{403, "AccessDeniedException", "not authorized to perform bedrock:GetModelInvocationLoggingConfiguration"}},
			want:      Response{Status: StatusFailed, PhysicalResourceID: idFailed, Data: map[string]string{DataMode: "failed"}},
			wantIn:    []string{"AccessDeniedException", "bedrock:GetModelInvocationLoggingConfiguration"},
			wantCalls: []string{"GET"},
		},
		{
			name:      "create with invalid properties fails",
			ev:        Event{RequestType: "Create", ResourceProperties: map[string]any{"ServiceToken": "x"}},
			want:      Response{Status: StatusFailed, PhysicalResourceID: idFailed, Data: map[string]string{DataMode: "failed"}},
			wantIn:    []string{"invalid resource properties", "LoggingConfig"},
			wantCalls: nil,
		},
		{
			name:      "update puts and keeps the id",
			existing:  ptr(otherConfig),
			ev:        Event{RequestType: "Update", PhysicalResourceID: idReplaced, ResourceProperties: props(newConfig, true), OldResourceProperties: props(stackConfig, true)},
			want:      Response{Status: StatusSuccess, PhysicalResourceID: idReplaced, Data: map[string]string{DataMode: "replaced", DataPrevious: PhysicalIDData(t, idReplaced)}},
			wantIn:    []string{"set S3", "video"},
			wantCalls: []string{"GET", "PUT"},
			wantAfter: newConfig,
		},
		{
			name:      "update whose put fails keeps the id",
			existing:  ptr(stackConfig),
			ev:        Event{RequestType: "Update", PhysicalResourceID: idSet, ResourceProperties: props(newConfig, false), OldResourceProperties: props(stackConfig, false)},
			putErr:    &fakeError{400, "ValidationException", "cannot write"},
			want:      Response{Status: StatusFailed, PhysicalResourceID: idSet, Data: map[string]string{DataMode: "set"}},
			wantIn:    []string{"updating", "cannot write", "unchanged"},
			wantCalls: []string{"GET", "PUT"},
			wantAfter: stackConfig,
		},
		{
			name:      "legacy update from the AwsCustomResource is set by this stack",
			existing:  ptr(stackConfig),
			ev:        Event{RequestType: "Update", PhysicalResourceID: idLegacy, ResourceProperties: props(stackConfig, false), OldResourceProperties: legacyProps(stackConfig)},
			want:      Response{Status: StatusSuccess, PhysicalResourceID: idLegacy, Data: map[string]string{DataMode: "set"}},
			wantIn:    []string{"AwsCustomResource of an earlier version", "nothing to change"},
			wantCalls: []string{"GET"},
			wantAfter: stackConfig,
		},
		{
			name:      "legacy update with a new configuration puts it",
			existing:  ptr(stackConfig),
			ev:        Event{RequestType: "Update", PhysicalResourceID: idLegacy, ResourceProperties: props(newConfig, false), OldResourceProperties: legacyProps(stackConfig)},
			want:      Response{Status: StatusSuccess, PhysicalResourceID: idLegacy, Data: map[string]string{DataMode: "set"}},
			wantIn:    []string{"AwsCustomResource of an earlier version"},
			wantCalls: []string{"GET", "PUT"},
			wantAfter: newConfig,
		},
		{
			name:      "delete of set deletes",
			existing:  ptr(stackConfig),
			ev:        Event{RequestType: "Delete", PhysicalResourceID: idSet, ResourceProperties: props(stackConfig, false)},
			want:      Response{Status: StatusSuccess, PhysicalResourceID: idSet, Data: map[string]string{DataMode: "set"}},
			wantIn:    []string{"deleted the logging configuration this stack set"},
			wantCalls: []string{"GET", "DELETE"},
		},
		{
			name:      "delete of legacy set deletes",
			existing:  ptr(stackConfig),
			ev:        Event{RequestType: "Delete", PhysicalResourceID: idLegacy, ResourceProperties: props(stackConfig, false)},
			want:      Response{Status: StatusSuccess, PhysicalResourceID: idLegacy, Data: map[string]string{DataMode: "set"}},
			wantIn:    []string{"deleted"},
			wantCalls: []string{"GET", "DELETE"},
		},
		{
			name:      "delete of adopted keeps",
			existing:  ptr(stackConfig),
			ev:        Event{RequestType: "Delete", PhysicalResourceID: idAdopted, ResourceProperties: props(stackConfig, false)},
			want:      Response{Status: StatusSuccess, PhysicalResourceID: idAdopted, Data: map[string]string{DataMode: "adopted"}},
			wantIn:    []string{"existed before the stack", "kept"},
			wantAfter: stackConfig,
		},
		{
			name:      "delete of replaced restores the previous",
			existing:  ptr(stackConfig),
			ev:        Event{RequestType: "Delete", PhysicalResourceID: idReplaced, ResourceProperties: props(stackConfig, true)},
			want:      Response{Status: StatusSuccess, PhysicalResourceID: idReplaced, Data: map[string]string{DataMode: "replaced", DataPrevious: PhysicalIDData(t, idReplaced)}},
			wantIn:    []string{"restored", "acme-central-logs"},
			wantCalls: []string{"GET", "PUT"},
			wantAfter: otherConfig,
		},
		{
			name:      "delete when someone changed it keeps",
			existing:  ptr(changed),
			ev:        Event{RequestType: "Delete", PhysicalResourceID: idSet, ResourceProperties: props(stackConfig, false)},
			want:      Response{Status: StatusSuccess, PhysicalResourceID: idSet, Data: map[string]string{DataMode: "set"}},
			wantIn:    []string{"no longer the one this stack set", "someone-elses-bucket", "left it unchanged"},
			wantCalls: []string{"GET"},
			wantAfter: changed,
		},
		{
			name:      "delete of replaced when someone changed it keeps",
			existing:  ptr(changed),
			ev:        Event{RequestType: "Delete", PhysicalResourceID: idReplaced, ResourceProperties: props(stackConfig, true)},
			want:      Response{Status: StatusSuccess, PhysicalResourceID: idReplaced, Data: map[string]string{DataMode: "replaced", DataPrevious: PhysicalIDData(t, idReplaced)}},
			wantIn:    []string{"no longer the one this stack set", "left it unchanged"},
			wantCalls: []string{"GET"},
			wantAfter: changed,
		},
		{
			name:      "delete when none is set",
			ev:        Event{RequestType: "Delete", PhysicalResourceID: idSet, ResourceProperties: props(stackConfig, false)},
			want:      Response{Status: StatusSuccess, PhysicalResourceID: idSet, Data: map[string]string{DataMode: "set"}},
			wantIn:    []string{"nothing to delete"},
			wantCalls: []string{"GET"},
		},
		{
			name:      "delete with an unknown id does nothing",
			existing:  ptr(stackConfig),
			ev:        Event{RequestType: "Delete", PhysicalResourceID: "2026/12/02/[$LATEST]abc", ResourceProperties: props(stackConfig, false)},
			want:      Response{Status: StatusSuccess, PhysicalResourceID: "2026/12/02/[$LATEST]abc", Data: map[string]string{DataMode: "unknown"}},
			wantIn:    []string{"not issued by this handler"},
			wantAfter: stackConfig,
		},
		{
			name:      "delete with get access denied fails",
			existing:  ptr(stackConfig),
			ev:        Event{RequestType: "Delete", PhysicalResourceID: idSet, ResourceProperties: props(stackConfig, false)},
			getErrs:   []fakeError{{403, "AccessDeniedException", "denied"}},
			want:      Response{Status: StatusFailed, PhysicalResourceID: idSet, Data: map[string]string{DataMode: "set"}},
			wantIn:    []string{"AccessDeniedException", "retry the delete"},
			wantCalls: []string{"GET"},
			wantAfter: stackConfig,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, tt.existing)
			e.bedrock.getErrs, e.bedrock.putErr = tt.getErrs, tt.putErr
			got := e.do(t, tt.ev)
			for _, s := range tt.wantIn {
				if !strings.Contains(got.Reason, s) {
					t.Errorf("reason %q does not contain %q", got.Reason, s)
				}
			}
			got.Reason = ""
			tt.want.StackID, tt.want.RequestID, tt.want.LogicalResourceID = got.StackID, got.RequestID, got.LogicalResourceID
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("response (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantCalls, e.bedrock.calls); diff != "" {
				t.Errorf("Bedrock calls (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantAfter, e.bedrock.state(t)); diff != "" {
				t.Errorf("configuration afterwards (-want +got):\n%s", diff)
			}
		})
	}
}

// PhysicalIDData is the DataPrevious a response carries for a replaced ID.
func PhysicalIDData(t *testing.T, id string) string {
	t.Helper()
	_, prev, err := ParseID(id)
	if err != nil {
		t.Fatal(err)
	}
	return prev.JSON()
}

// TestLifecycles runs whole CloudFormation sequences, each request carrying the physical ID
// the previous response returned, as CloudFormation does.
func TestLifecycles(t *testing.T) {
	type step struct {
		typ        string
		props      map[string]any
		oldProps   map[string]any
		putErr     *fakeError
		wantStatus string
		wantAfter  Config
	}
	tests := []struct {
		name     string
		existing *Config
		steps    []step
	}{
		{"existing bucket without its policy: create fails, rollback keeps the existing logging", ptr(otherConfig), []step{
			{typ: "Create", props: props(stackConfig, true), putErr: &fakeError{400, "ValidationException", "Failed to validate permissions for s3 bucket"}, wantStatus: StatusFailed, wantAfter: otherConfig},
			{typ: "Delete", props: props(stackConfig, true), wantStatus: StatusSuccess, wantAfter: otherConfig},
		}},
		{"none: create fails, rollback deletes nothing", nil, []step{
			{typ: "Create", props: props(stackConfig, false), putErr: &fakeError{400, "ValidationException", "no"}, wantStatus: StatusFailed},
			{typ: "Delete", props: props(stackConfig, false), wantStatus: StatusSuccess},
		}},
		{"none: create, update, delete", nil, []step{
			{typ: "Create", props: props(stackConfig, false), wantStatus: StatusSuccess, wantAfter: stackConfig},
			{typ: "Update", props: props(newConfig, false), oldProps: props(stackConfig, false), wantStatus: StatusSuccess, wantAfter: newConfig},
			{typ: "Delete", props: props(newConfig, false), wantStatus: StatusSuccess},
		}},
		{"replace: create, failed update, rollback update, delete restores", ptr(otherConfig), []step{
			{typ: "Create", props: props(stackConfig, true), wantStatus: StatusSuccess, wantAfter: stackConfig},
			{typ: "Update", props: props(newConfig, true), oldProps: props(stackConfig, true), putErr: &fakeError{400, "ValidationException", "no"}, wantStatus: StatusFailed, wantAfter: stackConfig},
			{typ: "Update", props: props(stackConfig, true), oldProps: props(newConfig, true), wantStatus: StatusSuccess, wantAfter: stackConfig},
			{typ: "Delete", props: props(stackConfig, true), wantStatus: StatusSuccess, wantAfter: otherConfig},
		}},
		{"adopted: create, delete keeps", ptr(stackConfig), []step{
			{typ: "Create", props: props(stackConfig, false), wantStatus: StatusSuccess, wantAfter: stackConfig},
			{typ: "Delete", props: props(stackConfig, false), wantStatus: StatusSuccess, wantAfter: stackConfig},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, tt.existing)
			id := ""
			for i, s := range tt.steps {
				e.bedrock.putErr = s.putErr
				got := e.do(t, Event{RequestType: s.typ, PhysicalResourceID: id, ResourceProperties: s.props, OldResourceProperties: s.oldProps})
				if got.Status != s.wantStatus {
					t.Errorf("step %d %s: got %s (%s), want %s", i, s.typ, got.Status, got.Reason, s.wantStatus)
				}
				if s.typ != "Create" && got.PhysicalResourceID != id {
					t.Errorf("step %d %s: physical ID changed from %q to %q (CloudFormation would replace the resource)", i, s.typ, id, got.PhysicalResourceID)
				}
				id = got.PhysicalResourceID
				if diff := cmp.Diff(s.wantAfter, e.bedrock.state(t)); diff != "" {
					t.Errorf("step %d %s: configuration afterwards (-want +got):\n%s", i, s.typ, diff)
				}
			}
		})
	}
}

func TestPhysicalID(t *testing.T) {
	long := Config{S3: S3{strings.Repeat("b", 63), strings.Repeat("p", 200)}, CloudWatch: CloudWatch{LogGroup: strings.Repeat("g", 250), RoleArn: "arn:aws:iam::123456789012:role/" + strings.Repeat("r", 64), LargeData: S3{strings.Repeat("l", 63), "large"}}, Text: true, Image: true, Embedding: true, Video: true, Audio: true}
	tests := []struct {
		id       string
		wantMode Mode
		wantPrev Config
	}{
		{PhysicalID(ModeSet, Config{}), ModeSet, Config{}},
		{PhysicalID(ModeAdopted, Config{}), ModeAdopted, Config{}},
		{PhysicalID(ModeFailed, Config{}), ModeFailed, Config{}},
		{PhysicalID(ModeReplaced, otherConfig), ModeReplaced, otherConfig},
		{PhysicalID(ModeReplaced, long), ModeReplaced, long},
		{"bedrock-invocation-logging-eu-central-1", ModeSet, Config{}},
		{"bedrock-usage-logging:nonsense", ModeUnknown, Config{}},
		{"arbitrary", ModeUnknown, Config{}},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			m, prev, err := ParseID(tt.id)
			if err != nil {
				t.Fatal(err)
			}
			if m != tt.wantMode {
				t.Errorf("mode: got %s, want %s", m, tt.wantMode)
			}
			if diff := cmp.Diff(tt.wantPrev, prev); diff != "" {
				t.Errorf("previous (-want +got):\n%s", diff)
			}
			if len(tt.id) > MaxIDLength {
				t.Errorf("ID of %d characters, CloudFormation allows %d", len(tt.id), MaxIDLength)
			}
		})
	}
	if _, _, err := ParseID("bedrock-usage-logging:replaced:!!"); err == nil {
		t.Error("a corrupt replaced ID parsed without an error")
	}
}

// TestCreateRefusesAPreviousTooLongToKeep: a replaced configuration that cannot fit the
// physical ID is not replaced at all.
func TestCreateRefusesAPreviousTooLongToKeep(t *testing.T) {
	huge := Config{S3: S3{"b", strings.Repeat("p", 1024)}, Text: true}
	e := newEnv(t, &huge)
	got := e.do(t, Event{RequestType: "Create", ResourceProperties: props(stackConfig, true)})
	if got.Status != StatusFailed || got.PhysicalResourceID != idFailed || !strings.Contains(got.Reason, "too long") {
		t.Errorf("got %s %s %q, want FAILED %s, a reason saying the configuration is too long", got.Status, got.PhysicalResourceID, got.Reason, idFailed)
	}
	if diff := cmp.Diff([]string{"GET"}, e.bedrock.calls); diff != "" {
		t.Errorf("Bedrock calls (-want +got):\n%s", diff)
	}
}

// TestCreateAdoptsWhatBedrockReturnsWithoutDefaults: Bedrock may leave out false flags and
// an empty prefix; the comparison treats them as false and empty.
func TestCreateAdoptsWhatBedrockReturnsWithoutDefaults(t *testing.T) {
	e := newEnv(t, nil)
	e.bedrock.config = map[string]any{
		"s3Config":                     map[string]any{"bucketName": "bedrock-logs-123456789012-us-east-1", "keyPrefix": "bedrock-logs"},
		"textDataDeliveryEnabled":      true,
		"imageDataDeliveryEnabled":     true,
		"embeddingDataDeliveryEnabled": true,
	}
	got := e.do(t, Event{RequestType: "Create", ResourceProperties: props(stackConfig, false)})
	if got.Status != StatusSuccess || got.PhysicalResourceID != idAdopted {
		t.Errorf("got %s %s (%s), want SUCCESS %s", got.Status, got.PhysicalResourceID, got.Reason, idAdopted)
	}
	if diff := cmp.Diff([]string{"GET"}, e.bedrock.calls); diff != "" {
		t.Errorf("Bedrock calls (-want +got):\n%s", diff)
	}
}

// TestUnknownRequestTypeFails: every request gets a response, with a reason.
func TestUnknownRequestTypeFails(t *testing.T) {
	e := newEnv(t, nil)
	got := e.do(t, Event{RequestType: "Import", ResourceProperties: props(stackConfig, false)})
	if got.Status != StatusFailed || !strings.Contains(got.Reason, `unknown request type "Import"`) || got.PhysicalResourceID != idFailed {
		t.Errorf("got %s %s %q, want FAILED %s naming the request type", got.Status, got.PhysicalResourceID, got.Reason, idFailed)
	}
	if len(e.bedrock.calls) != 0 {
		t.Errorf("Bedrock calls: got %v, want none", e.bedrock.calls)
	}
}

// TestResponseIsRetried: a response endpoint that fails once still gets the response.
func TestResponseIsRetried(t *testing.T) {
	var mu sync.Mutex
	var bodies []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		b, _ := io.ReadAll(r.Body)
		bodies = append(bodies, string(b))
		if len(bodies) == 1 {
			w.WriteHeader(http.StatusInternalServerError)
		}
	}))
	defer srv.Close()
	h := &Handler{Bedrock: newEnv(t, nil).handler.Bedrock, HTTP: srv.Client(), Log: io.Discard}
	ev := Event{RequestType: "Delete", PhysicalResourceID: idFailed, ResponseURL: srv.URL, RequestID: "r", StackID: "s", LogicalResourceID: "l"}
	if err := h.Handle(context.Background(), ev); err != nil {
		t.Fatalf("Handle: %v", err)
	}
	if len(bodies) != 2 || bodies[0] != bodies[1] {
		t.Fatalf("got %d attempts %q, want 2 identical ones", len(bodies), bodies)
	}
	var r Response
	if err := json.Unmarshal([]byte(bodies[1]), &r); err != nil || r.Status != StatusSuccess {
		t.Errorf("response %s: %v", bodies[1], err)
	}
}
