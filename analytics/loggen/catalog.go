package loggen

import (
	"fmt"
	"hash/fnv"
	"slices"
	"strings"
	"time"

	"github.com/bedrock-usage/bedrock-usage/deployment"
)

// Model is a Claude model as the generator calls it: its foundation model id, where it can be
// called in-region, and which system inference profiles exist for it.
type Model struct {
	ID       string    // foundation model id: anthropic.claude-…
	Name     string    // "Claude Sonnet 4.5"
	Released time.Time // no call to the model is generated before this day
	// Geos are the system inference profile prefixes that exist for the model (us, eu, apac,
	// jp, au, global).
	Geos []string
	// BareRegions are the regions where the foundation model id can be called on demand.
	// Newer models are only reachable through inference profiles.
	BareRegions []string
	// Cache reports prompt caching support (cache read and write token counts).
	Cache bool
	// LongContext reports the 1M-token context window (calls over 200K input tokens).
	LongContext bool
	// MaxOutput caps the output tokens of one call.
	MaxOutput int64
}

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

var allRegions6 = []string{"us-east-1", "us-west-2", "eu-central-1", "ap-northeast-1", "ap-northeast-2", "ap-southeast-1"}

// models is every Claude model from Claude 3 Haiku to Claude Opus 4.5, with the Bedrock model
// ids (verified against public code and AWS documentation) and the profiles that exist.
var models = []Model{
	{ID: "anthropic.claude-3-haiku-20240307-v1:0", Name: "Claude 3 Haiku", Released: day("2024-03-13"),
		Geos: []string{"us", "eu", "apac"}, BareRegions: allRegions6, MaxOutput: 4096},
	{ID: "anthropic.claude-3-sonnet-20240229-v1:0", Name: "Claude 3 Sonnet", Released: day("2024-03-04"),
		Geos: []string{"us", "eu", "apac"}, BareRegions: []string{"us-east-1", "us-west-2", "eu-central-1", "ap-northeast-1", "ap-southeast-1"}, MaxOutput: 4096},
	{ID: "anthropic.claude-3-opus-20240229-v1:0", Name: "Claude 3 Opus", Released: day("2024-04-16"),
		Geos: []string{"us"}, BareRegions: []string{"us-west-2"}, MaxOutput: 4096},
	{ID: "anthropic.claude-3-5-haiku-20241022-v1:0", Name: "Claude 3.5 Haiku", Released: day("2024-11-04"),
		Geos: []string{"us"}, BareRegions: []string{"us-west-2"}, Cache: true, MaxOutput: 8192},
	{ID: "anthropic.claude-3-5-sonnet-20240620-v1:0", Name: "Claude 3.5 Sonnet", Released: day("2024-06-20"),
		Geos: []string{"us", "eu", "apac"}, BareRegions: allRegions6, MaxOutput: 8192},
	{ID: "anthropic.claude-3-5-sonnet-20241022-v2:0", Name: "Claude 3.5 Sonnet v2", Released: day("2024-10-22"),
		Geos: []string{"us", "apac"}, BareRegions: []string{"us-west-2", "ap-southeast-2"}, MaxOutput: 8192},
	{ID: "anthropic.claude-3-7-sonnet-20250219-v1:0", Name: "Claude 3.7 Sonnet", Released: day("2025-02-24"),
		Geos: []string{"us", "eu", "apac"}, Cache: true, MaxOutput: 64000},
	{ID: "anthropic.claude-sonnet-4-20250514-v1:0", Name: "Claude Sonnet 4", Released: day("2025-05-22"),
		Geos: []string{"us", "eu", "apac", "global"}, Cache: true, LongContext: true, MaxOutput: 64000},
	{ID: "anthropic.claude-opus-4-20250514-v1:0", Name: "Claude Opus 4", Released: day("2025-05-22"),
		Geos: []string{"us"}, Cache: true, MaxOutput: 32000},
	{ID: "anthropic.claude-opus-4-1-20250805-v1:0", Name: "Claude Opus 4.1", Released: day("2025-08-05"),
		Geos: []string{"us"}, Cache: true, MaxOutput: 32000},
	{ID: "anthropic.claude-sonnet-4-5-20250929-v1:0", Name: "Claude Sonnet 4.5", Released: day("2025-09-29"),
		Geos: []string{"us", "eu", "apac", "jp", "au", "global"}, Cache: true, LongContext: true, MaxOutput: 64000},
	{ID: "anthropic.claude-haiku-4-5-20251001-v1:0", Name: "Claude Haiku 4.5", Released: day("2025-10-15"),
		Geos: []string{"us", "eu", "jp", "au", "global"}, Cache: true, MaxOutput: 64000},
	{ID: "anthropic.claude-opus-4-5-20251101-v1:0", Name: "Claude Opus 4.5", Released: day("2025-11-24"),
		Geos: []string{"us", "eu", "global"}, Cache: true, MaxOutput: 64000},
}

// UnknownModelID is the non-Anthropic model a few calls use. The embedded book prices it in
// us-east-1 only (its source covers that region), so its calls in the other regions must
// show as unpriced.
const UnknownModelID = "ai21.jamba-1-5-mini-v1:0"

// Models returns the Claude models the generator calls, oldest first.
func Models() []Model {
	out := make([]Model, len(models))
	copy(out, models)
	return out
}

// model indexes, used by the caller table.
const (
	m3Haiku = iota
	m3Sonnet
	m3Opus
	m35Haiku
	m35Sonnet
	m35SonnetV2
	m37Sonnet
	mSonnet4
	mOpus4
	mOpus41
	mSonnet45
	mHaiku45
	mOpus45
)

// DefaultRegions are the six regions of the original system.
var DefaultRegions = deployment.DefaultRegions()

// regionShare is the part of the traffic each default region gets; other regions get 0.1.
var regionShare = map[string]float64{
	"us-east-1": 0.34, "us-west-2": 0.18, "eu-central-1": 0.18,
	"ap-northeast-1": 0.14, "ap-northeast-2": 0.08, "ap-southeast-1": 0.08,
}

// utcOffset is the region's local time offset in hours, for the daily rhythm.
func utcOffset(region string) int {
	switch {
	case strings.HasPrefix(region, "us-east"), strings.HasPrefix(region, "ca-"):
		return -5
	case strings.HasPrefix(region, "us-west"):
		return -8
	case strings.HasPrefix(region, "sa-"):
		return -3
	case strings.HasPrefix(region, "eu-west-1"), strings.HasPrefix(region, "eu-west-2"):
		return 0
	case strings.HasPrefix(region, "eu-"):
		return 1
	case strings.HasPrefix(region, "me-"):
		return 4
	case strings.HasPrefix(region, "ap-south-"):
		return 5
	case region == "ap-southeast-2", region == "ap-southeast-4":
		return 10
	case strings.HasPrefix(region, "ap-southeast"), strings.HasPrefix(region, "ap-east"):
		return 8
	case strings.HasPrefix(region, "ap-northeast"):
		return 9
	}
	return 0
}

// regionGeos are the geographic inference profile prefixes callable from a region.
func regionGeos(region string) []string {
	switch {
	case strings.HasPrefix(region, "us-gov-"):
		return []string{"us-gov"}
	case strings.HasPrefix(region, "us-"):
		return []string{"us"}
	case strings.HasPrefix(region, "ca-"):
		return []string{"ca", "us"}
	case strings.HasPrefix(region, "eu-"):
		return []string{"eu"}
	case region == "ap-northeast-1", region == "ap-northeast-3":
		return []string{"apac", "jp"}
	case region == "ap-southeast-2", region == "ap-southeast-4":
		return []string{"apac", "au"}
	case strings.HasPrefix(region, "ap-"):
		return []string{"apac"}
	}
	return nil
}

// destinations are the regions a profile can route to (inferenceRegion).
var destinations = map[string][]string{
	"us":     {"us-east-1", "us-east-2", "us-west-2"},
	"us-gov": {"us-gov-west-1", "us-gov-east-1"},
	"ca":     {"ca-central-1", "us-east-1", "us-west-2"},
	"eu":     {"eu-central-1", "eu-west-1", "eu-west-3", "eu-north-1"},
	"apac":   {"ap-northeast-1", "ap-northeast-2", "ap-southeast-1", "ap-southeast-2", "ap-south-1"},
	"jp":     {"ap-northeast-1", "ap-northeast-3"},
	"au":     {"ap-southeast-2", "ap-southeast-4"},
	"global": {"us-east-1", "us-east-2", "us-west-2", "eu-central-1", "eu-west-1", "ap-northeast-1", "ap-southeast-2"},
}

// AppProfile is an application inference profile the generator calls through.
type AppProfile struct {
	Name   string // the profile's name (a tag-like label: chatbot-prod)
	ID     string // its random-looking id, derived from account, region and name
	ARN    string // arn:aws:bedrock:{region}:{account}:application-inference-profile/{id}
	Region string
	// Source is what the profile was copied from: a system inference profile id, or a
	// foundation model id.
	Source string
	// Model is the base foundation model id.
	Model string
}

// appTemplate is an application profile created in every region.
type appTemplate struct {
	name  string
	model int
}

var appTemplates = []appTemplate{
	{name: "chatbot-prod", model: mHaiku45},
	{name: "doc-extraction", model: mSonnet4},
}

// AppProfiles returns the application inference profiles of a configuration, in region then
// name order.
func AppProfiles(cfg Config) []AppProfile {
	cfg = cfg.withDefaults()
	var out []AppProfile
	for _, r := range cfg.Regions {
		for _, t := range appTemplates {
			out = append(out, newAppProfile(cfg.Account, r, t))
		}
	}
	return out
}

// ApplicationProfiles maps each application inference profile ARN that Generate writes for cfg
// to its base foundation model id, as bedrock:GetInferenceProfile would resolve it.
func ApplicationProfiles(cfg Config) map[string]string {
	m := make(map[string]string)
	for _, p := range AppProfiles(cfg) {
		m[p.ARN] = p.Model
	}
	return m
}

// ProfileMap maps each application inference profile ARN that Generate writes for cfg to what
// the profile was copied from: a system inference profile id (us.…, global.…), which carries
// the pricing scope, or a foundation model id. It is the format of the --profile-map file of
// `bedrock-usage report`.
func ProfileMap(cfg Config) map[string]string {
	m := make(map[string]string)
	for _, p := range AppProfiles(cfg) {
		m[p.ARN] = p.Source
	}
	return m
}

func newAppProfile(account, region string, t appTemplate) AppProfile {
	m := models[t.model]
	// Copied from the region's geographic profile when there is one, else the global one,
	// else the foundation model.
	source := m.ID
	if slices.Contains(m.Geos, "global") {
		source = "global." + m.ID
	}
	for _, g := range regionGeos(region) {
		if slices.Contains(m.Geos, g) {
			source = g + "." + m.ID
			break
		}
	}
	id := profileID(account, region, t.name)
	return AppProfile{
		Name:   t.name,
		ID:     id,
		ARN:    fmt.Sprintf("arn:aws:bedrock:%s:%s:application-inference-profile/%s", region, account, id),
		Region: region,
		Source: source,
		Model:  m.ID,
	}
}

// profileID is a 12-character lowercase alphanumeric id, like the ones Bedrock assigns.
func profileID(account, region, name string) string {
	h := fnv.New64a()
	h.Write([]byte(account + "/" + region + "/" + name))
	v := h.Sum64()
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 12)
	for i := range b {
		b[i] = alphabet[v%36]
		v /= 36
		if v == 0 {
			v = h.Sum64() ^ uint64(i+1)*0x9e3779b97f4a7c15
		}
	}
	return string(b)
}

// The callers: applications (IAM roles with sessions), IAM users of user-agent style apps and
// Identity Center users.

type callerKind int

const (
	kindRole callerKind = iota
	kindUser
	kindSSO
)

// metaSpec is one requestMetadata key and its possible values.
type metaSpec struct {
	key    string
	values []string
}

// caller is one identity with its habits.
type caller struct {
	kind    callerKind
	role    string // role name (kindRole, kindSSO)
	session string // role session name (kindRole, kindSSO)
	user    string // IAM user name
	path    string // IAM user path ("/" or "/service/")
	weight  float64
	// night multiplies the weight outside local business hours: batch jobs run at night.
	night float64
	// regions restricts the caller to these regions (nil: everywhere); homeBoost favours the
	// first of them.
	regions []string
	models  []wm
	ops     [4]float64 // InvokeModel, InvokeModelWithResponseStream, Converse, ConverseStream
	meta    []metaSpec
	metaP   float64
	cacheP  float64
	longP   float64 // long-context calls (models with LongContext only)
	bigOutP float64 // outputs over 100 KB (offloaded to data/)
	app     string  // application inference profile template name
	appP    float64
	unkP    float64 // calls to UnknownModelID
	inMed   float64 // median input tokens
	outMed  float64 // median output tokens
}

type wm struct {
	m int
	w float64
}

var (
	tenants      = metaSpec{"tenant_id", []string{"tenant-acme", "tenant-globex", "tenant-initech", "tenant-umbrella", "tenant-hooli", "tenant-stark"}}
	environments = metaSpec{"environment", []string{"prod", "prod", "prod", "prod", "staging", "dev"}}
	teams        = metaSpec{"team", []string{"analytics", "finance", "growth", "legal", "operations"}}
	costCenters  = metaSpec{"cost_center", []string{"CC-1001", "CC-1002", "CC-2040", "CC-3100"}}
)

func roleCallers(role string, sessions []string, weight float64, tmpl caller) []caller {
	var out []caller
	for _, s := range sessions {
		c := tmpl
		c.kind, c.role, c.session = kindRole, role, s
		c.weight = weight / float64(len(sessions))
		out = append(out, c)
	}
	return out
}

var callers = func() []caller {
	var cs []caller
	cs = append(cs, roleCallers("CustomerServiceApp-BedrockRole",
		[]string{"agent-alice", "agent-bob", "agent-carmen", "agent-dmitri", "ticket-router"}, 0.22, caller{
			night:  0.5,
			models: []wm{{mHaiku45, 0.35}, {m3Haiku, 0.2}, {mSonnet45, 0.2}, {m35Haiku, 0.15}, {m35Sonnet, 0.1}},
			ops:    [4]float64{0.15, 0.05, 0.45, 0.35},
			meta:   []metaSpec{tenants, environments}, metaP: 0.8,
			cacheP: 0.45, inMed: 1800, outMed: 350,
		})...)
	cs = append(cs, roleCallers("DataAnalysisApp-BedrockRole",
		[]string{"analyst-dana", "analyst-eli", "analyst-farah"}, 0.12, caller{
			night:  0.3,
			models: []wm{{mSonnet4, 0.25}, {mSonnet45, 0.25}, {m37Sonnet, 0.12}, {mOpus41, 0.1}, {mOpus4, 0.05}, {m3Opus, 0.06}, {mOpus45, 0.1}, {m35SonnetV2, 0.07}},
			ops:    [4]float64{0.4, 0.15, 0.4, 0.05},
			meta:   []metaSpec{teams, costCenters}, metaP: 0.6,
			cacheP: 0.3, longP: 0.015, bigOutP: 0.004, inMed: 6000, outMed: 1200,
		})...)
	cs = append(cs, roleCallers("DataAnalysisApp-BedrockRole", []string{"nightly-etl"}, 0.04, caller{
		night:   6,
		regions: []string{"us-east-1", "eu-central-1"},
		models:  []wm{{mSonnet4, 0.4}, {m35Sonnet, 0.3}, {m3Haiku, 0.3}},
		ops:     [4]float64{1, 0, 0, 0},
		cacheP:  0.2, longP: 0.02, inMed: 8000, outMed: 900,
	})...)
	cs = append(cs, roleCallers("ChatbotApp-BedrockRole",
		[]string{"web-widget", "slack-bot", "teams-bot", "mobile-chat"}, 0.24, caller{
			night:  0.45,
			models: []wm{{mHaiku45, 0.3}, {m35Haiku, 0.2}, {m3Haiku, 0.2}, {mSonnet45, 0.15}, {m37Sonnet, 0.15}},
			ops:    [4]float64{0.05, 0.3, 0.15, 0.5},
			meta:   []metaSpec{tenants, environments}, metaP: 0.7,
			cacheP: 0.4, app: "chatbot-prod", appP: 0.25, inMed: 900, outMed: 250,
		})...)
	cs = append(cs, roleCallers("DocumentProcessorApp-BedrockRole",
		[]string{"ingest-worker-1", "ingest-worker-2", "contract-review", "invoice-extractor"}, 0.14, caller{
			night:  0.9,
			models: []wm{{mSonnet4, 0.3}, {mSonnet45, 0.3}, {m35Sonnet, 0.15}, {m3Sonnet, 0.1}, {mHaiku45, 0.15}},
			ops:    [4]float64{0.6, 0.1, 0.3, 0},
			meta:   []metaSpec{costCenters, teams}, metaP: 0.5,
			cacheP: 0.35, longP: 0.02, app: "doc-extraction", appP: 0.3, inMed: 12000, outMed: 1500,
		})...)
	cs = append(cs,
		caller{kind: kindUser, user: "MobileApp", path: "/", weight: 0.06, night: 0.6,
			models: []wm{{mHaiku45, 0.6}, {m3Haiku, 0.4}},
			ops:    [4]float64{0, 0.2, 0.1, 0.7},
			meta:   []metaSpec{environments}, metaP: 0.3, cacheP: 0.2, inMed: 700, outMed: 200},
		caller{kind: kindUser, user: "WebPortal", path: "/", weight: 0.07, night: 0.4,
			models: []wm{{mSonnet45, 0.4}, {m37Sonnet, 0.3}, {m35SonnetV2, 0.3}},
			ops:    [4]float64{0.1, 0.1, 0.7, 0.1},
			meta:   []metaSpec{tenants}, metaP: 0.4, cacheP: 0.25, unkP: 0.02, inMed: 1500, outMed: 400},
		caller{kind: kindUser, user: "BackendAPI", path: "/service/", weight: 0.06, night: 0.8,
			models: []wm{{m35Sonnet, 0.4}, {mSonnet4, 0.3}, {m3Haiku, 0.3}},
			ops:    [4]float64{0.8, 0.2, 0, 0},
			cacheP: 0.15, inMed: 2500, outMed: 600},
		caller{kind: kindUser, user: "ReportingService", path: "/service/", weight: 0.02, night: 3,
			regions: []string{"us-east-1", "eu-central-1", "ap-northeast-1"},
			models:  []wm{{mOpus45, 0.5}, {mSonnet45, 0.5}},
			ops:     [4]float64{0, 0, 1, 0},
			meta:    []metaSpec{costCenters}, metaP: 0.9, cacheP: 0.3, bigOutP: 0.01, inMed: 5000, outMed: 2500},
		caller{kind: kindSSO, role: "AWSReservedSSO_DataScientist_4f2a9c81d3e7b605", session: "maria.garcia@example.com", weight: 0.015, night: 0.1,
			regions: []string{"us-east-1", "us-west-2"},
			models:  []wm{{mOpus45, 0.4}, {mSonnet45, 0.4}, {mOpus41, 0.2}},
			ops:     [4]float64{0, 0, 0.3, 0.7}, cacheP: 0.1, unkP: 0.03, inMed: 3000, outMed: 900},
		caller{kind: kindSSO, role: "AWSReservedSSO_Developer_9b1e07c4a2d85f36", session: "kenji.tanaka@example.com", weight: 0.01, night: 0.1,
			regions: []string{"ap-northeast-1"},
			models:  []wm{{mSonnet45, 0.6}, {mHaiku45, 0.4}},
			ops:     [4]float64{0, 0, 0.4, 0.6}, cacheP: 0.2, inMed: 2000, outMed: 700},
	)
	return cs
}()

// arn is the caller's identity ARN in an account.
func (c *caller) arn(account string) string {
	switch c.kind {
	case kindUser:
		return "arn:aws:iam::" + account + ":user" + c.path + c.user
	default:
		return "arn:aws:sts::" + account + ":assumed-role/" + c.role + "/" + c.session
	}
}

// Apps returns the role names of the four applications.
func Apps() []string {
	return []string{"CustomerServiceApp-BedrockRole", "DataAnalysisApp-BedrockRole", "ChatbotApp-BedrockRole", "DocumentProcessorApp-BedrockRole"}
}

// IAMUsers returns the IAM user names that call Bedrock directly.
func IAMUsers() []string { return []string{"MobileApp", "WebPortal", "BackendAPI", "ReportingService"} }

// Error codes of failed calls and their share.
var errorCodes = []struct {
	code string
	w    float64
	// input reports whether the model saw the input (tokens are counted).
	input bool
}{
	{"ThrottlingException", 0.5, false},
	{"ValidationException", 0.2, false},
	{"ModelTimeoutException", 0.08, true},
	{"ServiceUnavailableException", 0.08, false},
	{"AccessDeniedException", 0.05, false},
	{"ModelErrorException", 0.05, true},
	{"InternalServerException", 0.04, false},
}
