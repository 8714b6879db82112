package loggingconfig

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/bedrock"
)

// Bedrock is the part of the Bedrock control plane the handler calls.
type Bedrock interface {
	GetModelInvocationLoggingConfiguration(ctx context.Context, in *bedrock.GetModelInvocationLoggingConfigurationInput, optFns ...func(*bedrock.Options)) (*bedrock.GetModelInvocationLoggingConfigurationOutput, error)
	PutModelInvocationLoggingConfiguration(ctx context.Context, in *bedrock.PutModelInvocationLoggingConfigurationInput, optFns ...func(*bedrock.Options)) (*bedrock.PutModelInvocationLoggingConfigurationOutput, error)
	DeleteModelInvocationLoggingConfiguration(ctx context.Context, in *bedrock.DeleteModelInvocationLoggingConfigurationInput, optFns ...func(*bedrock.Options)) (*bedrock.DeleteModelInvocationLoggingConfigurationOutput, error)
}

var _ Bedrock = (*bedrock.Client)(nil)

// Event is a CloudFormation custom resource request.
type Event struct {
	RequestType           string         `json:"RequestType"`
	RequestID             string         `json:"RequestId"`
	ResponseURL           string         `json:"ResponseURL"`
	ResourceType          string         `json:"ResourceType"`
	PhysicalResourceID    string         `json:"PhysicalResourceId,omitempty"`
	LogicalResourceID     string         `json:"LogicalResourceId"`
	StackID               string         `json:"StackId"`
	ResourceProperties    map[string]any `json:"ResourceProperties"`
	OldResourceProperties map[string]any `json:"OldResourceProperties,omitempty"`
}

// Response is the custom resource response, PUT to the request's ResponseURL.
type Response struct {
	Status             string            `json:"Status"` // SUCCESS or FAILED
	Reason             string            `json:"Reason"`
	PhysicalResourceID string            `json:"PhysicalResourceId"`
	StackID            string            `json:"StackId"`
	RequestID          string            `json:"RequestId"`
	LogicalResourceID  string            `json:"LogicalResourceId"`
	Data               map[string]string `json:"Data,omitempty"`
}

// Response statuses.
const (
	StatusSuccess = "SUCCESS"
	StatusFailed  = "FAILED"
)

// Data keys of a response.
const (
	// DataMode is the Mode (set, adopted, replaced, failed, unknown).
	DataMode = "Mode"
	// DataPrevious is the replaced configuration in the API's JSON shape (ModeReplaced).
	DataPrevious = "PreviousConfiguration"
)

const (
	// maxReason keeps the response under CloudFormation's 4,096 bytes with the longest ID
	// and Data.
	maxReason = 1000
	// maxResponse is CloudFormation's limit on a response body.
	maxResponse = 4096
	// responseMargin is kept back from the Lambda deadline for sending the response.
	responseMargin = 15 * time.Second
)

// Handler answers CloudFormation's requests for the logging configuration of the region its
// Bedrock client calls.
type Handler struct {
	Bedrock Bedrock
	// Region names the region in reasons.
	Region string
	// HTTP sends the response; nil uses a client with a 30 s timeout.
	HTTP *http.Client
	// Log receives one JSON line per request (never the ResponseURL); nil: os.Stderr.
	Log io.Writer
}

// Handle processes one request and sends CloudFormation its response. It returns an error
// only when the response could not be sent.
func (h *Handler) Handle(ctx context.Context, ev Event) error {
	work := ctx
	if d, ok := ctx.Deadline(); ok {
		var cancel context.CancelFunc
		work, cancel = context.WithDeadline(ctx, d.Add(-responseMargin))
		defer cancel()
	}
	res := h.Process(work, ev)
	h.log(ev, res)
	return h.send(ctx, ev.ResponseURL, res)
}

// Process decides a request's response, calling Bedrock as needed; it never panics.
func (h *Handler) Process(ctx context.Context, ev Event) (res Response) {
	defer func() {
		if p := recover(); p != nil {
			id := ev.PhysicalResourceID
			if ev.RequestType == "Create" {
				id = PhysicalID(ModeFailed, Config{})
			}
			res = h.respond(ev, outcome{id: id, failed: true, reason: fmt.Sprintf("internal error in the logging handler: %v; the logging configuration may not have been changed", p)})
		}
	}()
	var o outcome
	switch ev.RequestType {
	case "Create":
		o = h.create(ctx, ev)
	case "Update":
		o = h.update(ctx, ev)
	case "Delete":
		o = h.delete(ctx, ev)
	default:
		o = outcome{id: ev.PhysicalResourceID, failed: true, reason: fmt.Sprintf("unknown request type %q", ev.RequestType)}
		if o.id == "" {
			o.id = PhysicalID(ModeFailed, Config{})
		}
	}
	return h.respond(ev, o)
}

// outcome is a request's result before it becomes a Response.
type outcome struct {
	id     string
	failed bool
	reason string
}

func (h *Handler) respond(ev Event, o outcome) Response {
	r := Response{
		Status:             StatusSuccess,
		Reason:             truncate(o.reason, maxReason),
		PhysicalResourceID: o.id,
		StackID:            ev.StackID,
		RequestID:          ev.RequestID,
		LogicalResourceID:  ev.LogicalResourceID,
	}
	if o.failed {
		r.Status = StatusFailed
	}
	mode, prev, err := ParseID(o.id)
	if err == nil {
		r.Data = map[string]string{DataMode: string(mode)}
		if mode == ModeReplaced {
			r.Data[DataPrevious] = prev.JSON()
		}
	}
	if b, _ := json.Marshal(r); len(b) > maxResponse {
		delete(r.Data, DataPrevious)
	}
	return r
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	// Cut on a rune boundary.
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n-3] + "..."
}

func (h *Handler) region() string {
	if h.Region == "" {
		return "this region"
	}
	return h.Region
}

// current reads the region's configuration (zero: none).
func (h *Handler) current(ctx context.Context) (Config, error) {
	out, err := h.Bedrock.GetModelInvocationLoggingConfiguration(ctx, &bedrock.GetModelInvocationLoggingConfigurationInput{})
	if err != nil {
		return Config{}, err
	}
	return FromSDK(out.LoggingConfig), nil
}

func (h *Handler) put(ctx context.Context, c Config) error {
	_, err := h.Bedrock.PutModelInvocationLoggingConfiguration(ctx, &bedrock.PutModelInvocationLoggingConfigurationInput{LoggingConfig: c.SDK()})
	return err
}

const putHint = " (Bedrock checks when a configuration is set that it can write to the destinations: the bucket policy, the KMS key, the delivery role)"

func (h *Handler) create(ctx context.Context, ev Event) outcome {
	failID := PhysicalID(ModeFailed, Config{})
	fail := func(format string, a ...any) outcome {
		return outcome{id: failID, failed: true, reason: fmt.Sprintf(format, a...)}
	}
	p, err := ParseProperties(ev.ResourceProperties)
	if err != nil {
		return fail("invalid resource properties: %v; nothing was changed", err)
	}
	want := p.Desired
	cur, err := h.current(ctx)
	if err != nil {
		return fail("could not read the current model invocation logging configuration in %s, so nothing was changed: %v", h.region(), err)
	}
	switch {
	case cur.IsZero():
		if err := h.put(ctx, want); err != nil {
			return fail("setting the model invocation logging configuration in %s failed, nothing was changed%s: %v", h.region(), putHint, err)
		}
		return outcome{id: PhysicalID(ModeSet, Config{}), reason: fmt.Sprintf("no logging configuration was set in %s; set %s (deleting the stack removes it)", h.region(), want)}
	case cur == want:
		return outcome{id: PhysicalID(ModeAdopted, Config{}), reason: fmt.Sprintf("an identical logging configuration was already set in %s: adopted it without a change (deleting the stack keeps it): %s", h.region(), want)}
	case !p.ReplaceExisting:
		return fail("%s already has a different model invocation logging configuration, left unchanged: %s. Set the context key bedrock-usage:replaceExistingLogging to true to replace it (deleting the stack restores it), or configure the stack identically to adopt it", h.region(), cur)
	}
	id := PhysicalID(ModeReplaced, cur)
	if len(id) > MaxIDLength {
		return fail("%s already has a different model invocation logging configuration, too long to keep for its restore (%d characters, CloudFormation allows a %d-character physical ID); nothing was changed: note it, delete it yourself and deploy again. It is: %s", h.region(), len(id), MaxIDLength, cur)
	}
	if err := h.put(ctx, want); err != nil {
		return fail("replacing the model invocation logging configuration in %s failed, the existing one is unchanged%s: %v", h.region(), putHint, err)
	}
	return outcome{id: id, reason: fmt.Sprintf("replaced the existing logging configuration in %s (replaceExistingLogging): %s; now %s (deleting the stack restores the previous one)", h.region(), cur, want)}
}

func (h *Handler) update(ctx context.Context, ev Event) outcome {
	id := ev.PhysicalResourceID
	fail := func(format string, a ...any) outcome {
		return outcome{id: id, failed: true, reason: fmt.Sprintf(format, a...)}
	}
	p, err := ParseProperties(ev.ResourceProperties)
	if err != nil {
		return fail("invalid resource properties: %v; nothing was changed", err)
	}
	old, oldErr := ParseProperties(ev.OldResourceProperties)
	cur, err := h.current(ctx)
	if err != nil {
		return fail("could not read the current model invocation logging configuration in %s, so nothing was changed: %v", h.region(), err)
	}
	note := ""
	if oldErr == nil && old.Legacy {
		note = " The resource was the AwsCustomResource of an earlier version, which set the configuration: it stays this stack's (deleting the stack removes it if unchanged)."
	}
	if cur == p.Desired {
		return outcome{id: id, reason: fmt.Sprintf("the logging configuration in %s is already %s; nothing to change.%s", h.region(), p.Desired, note)}
	}
	if oldErr == nil && !cur.IsZero() && cur != old.Desired {
		note += fmt.Sprintf(" The configuration in place was not the stack's previous one but %s.", cur)
	}
	if err := h.put(ctx, p.Desired); err != nil {
		return fail("updating the model invocation logging configuration in %s failed, it is unchanged%s: %v", h.region(), putHint, err)
	}
	return outcome{id: id, reason: fmt.Sprintf("set %s in %s.%s", p.Desired, h.region(), note)}
}

func (h *Handler) delete(ctx context.Context, ev Event) outcome {
	id := ev.PhysicalResourceID
	done := func(format string, a ...any) outcome { return outcome{id: id, reason: fmt.Sprintf(format, a...)} }
	fail := func(format string, a ...any) outcome {
		return outcome{id: id, failed: true, reason: fmt.Sprintf(format, a...)}
	}
	mode, prev, err := ParseID(id)
	if err != nil {
		return done("left the logging configuration in %s unchanged: %v", h.region(), err)
	}
	switch mode {
	case ModeFailed:
		return done("the create failed and changed nothing, so there is nothing to delete; the logging configuration in %s is unchanged", h.region())
	case ModeUnknown:
		return done("physical resource ID %q was not issued by this handler: left the logging configuration in %s unchanged", id, h.region())
	case ModeAdopted:
		return done("the logging configuration in %s existed before the stack (adopted): kept it", h.region())
	}
	p, err := ParseProperties(ev.ResourceProperties)
	if err != nil {
		return done("left the logging configuration in %s unchanged: cannot tell whether it is this stack's, invalid resource properties: %v", h.region(), err)
	}
	cur, err := h.current(ctx)
	if err != nil {
		return fail("could not read the current model invocation logging configuration in %s, so nothing was changed (retry the delete): %v", h.region(), err)
	}
	switch {
	case cur.IsZero():
		return done("no logging configuration is set in %s any more; nothing to delete", h.region())
	case cur != p.Desired:
		return done("the logging configuration in %s is no longer the one this stack set (%s) but %s: left it unchanged", h.region(), p.Desired, cur)
	case mode == ModeReplaced:
		if err := h.put(ctx, prev); err != nil {
			return fail("restoring the previous logging configuration in %s (%s) failed, the stack's is still in place%s: %v", h.region(), prev, putHint, err)
		}
		return done("restored the logging configuration in %s that the stack had replaced: %s", h.region(), prev)
	}
	if _, err := h.Bedrock.DeleteModelInvocationLoggingConfiguration(ctx, &bedrock.DeleteModelInvocationLoggingConfigurationInput{}); err != nil {
		return fail("deleting the logging configuration this stack set in %s failed, it is still in place: %v", h.region(), err)
	}
	return done("deleted the logging configuration this stack set in %s (%s); the logs already written stay", h.region(), p.Desired)
}

func (h *Handler) log(ev Event, r Response) {
	w := h.Log
	if w == nil {
		w = os.Stderr
	}
	b, _ := json.Marshal(map[string]string{
		"requestType": ev.RequestType, "requestId": ev.RequestID, "logicalResourceId": ev.LogicalResourceID,
		"status": r.Status, "physicalResourceId": r.PhysicalResourceID, "reason": r.Reason,
	})
	fmt.Fprintf(w, "%s\n", b)
}

// send PUTs the response to the pre-signed URL, retrying a few times.
func (h *Handler) send(ctx context.Context, url string, r Response) error {
	body, err := json.Marshal(r)
	if err != nil {
		return err
	}
	client := h.HTTP
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	var last error
	for attempt := 0; attempt < 4; attempt++ {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return fmt.Errorf("sending the response: %w (last error: %v)", ctx.Err(), last)
			case <-time.After(time.Duration(attempt) * time.Second):
			}
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPut, url, bytes.NewReader(body))
		if err != nil {
			return fmt.Errorf("sending the response: %w", err)
		}
		req.ContentLength = int64(len(body))
		resp, err := client.Do(req)
		if err != nil {
			last = err
			continue
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode/100 == 2 {
			return nil
		}
		last = fmt.Errorf("status %s", resp.Status)
	}
	return fmt.Errorf("sending the response: %w", last)
}
