package invocationlog

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"
)

// FuzzDecoder checks that the decoder never panics, that records and skips account for
// every non-blank line, and that it agrees with the encoding/json reference on every line.
func FuzzDecoder(f *testing.F) {
	if raw, err := os.ReadFile(elasticFixture); err == nil {
		lines, _ := nonBlankLines(raw)
		for _, l := range lines {
			if len(l) < 4000 {
				f.Add(l)
			}
		}
		f.Add(raw[:3000])
	}
	f.Add([]byte(minimalLine + "\n" + minimalLine))
	f.Add([]byte(`{"schemaType":"ModelInvocationLog","timestamp":"2025-01-02T03:04:05.123+01:00","requestMetadata":{"a":1.50,"b":[true],"c":null,"d":"x\u00e9"},"input":{"inputTokenCount":1e2,"inputBodyJson":"\ud83d\ude00"},"output":{"outputBodyJson":[{"a":"b"},"[DONE]"]}}`))
	f.Add([]byte("{\"schemaType\":\"Other\"}\n\nnot json\n[1,2]\nnull\n\xef\xbb\xbf{}"))
	f.Add([]byte(`{"schemaType":"ModelInvocationLog","timestamp":"2025-01-02T03:04:05Z","input":{"inputTokenCount":-0.0,"cacheReadInputTokenCount":9223372036854775807}}`))
	f.Add([]byte(`{"schemaType":"ModelInvocationLog","timestamp":"2025-01-02T03:04:05Z","input":{"inputTokenCount":-1}}`))
	f.Add([]byte("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"))
	f.Add([]byte("{\"schemaType\":\"ModelInvocationLog\",\"timestamp\":\"2025-01-02T03:04:05Z\",\"model\\u0049d\":\"a\xffb\",\"identity\":{\"arn\":\"x\\/y\"},\"input\":{\"inputTokenCount\":1.0e0},\"input\":{\"cacheReadInputTokenCount\":2}}"))
	f.Add([]byte(`{"schemaType":"ModelInvocationLog","timestamp":"2025-01-02T03:04:05Z","timestamp":null,"requestMetadata":{"k":{"n":[1,{"x":null}]},"k":null}}`))
	// Extreme numbers: at and past the per-record ceiling, past int64, floats that are and
	// are not whole, exponents, and a line that ends in a stray quote after its object.
	for _, n := range []string{"1000000000000", "1000000000001", "999999999999.0", "1e12", "1E+12", "1.0000000000001e12",
		"9223372036854775807", "9223372036854775808", "18446744073709551616", "-9223372036854775808", "1e308", "1e400",
		"-0", "0.5", "5e-1", "0e0", "00", "-", "1.", ".5", "\"7\"", "true", "[1]", "{}"} {
		f.Add([]byte(`{"schemaType":"ModelInvocationLog","timestamp":"2025-01-02T03:04:05Z","input":{"inputTokenCount":` + n + `,"cacheWriteInputTokenCount":` + n + `},"output":{"outputTokenCount":1000000000000}}`))
	}
	f.Add([]byte(`{"00000":0}"`))
	f.Add([]byte(minimalLine + `"`))
	f.Fuzz(func(t *testing.T, data []byte) {
		recs, d := decodeAll(bytes.NewReader(data), "fuzz")
		sk := d.Skipped()
		if len(data) >= 2 && data[0] == 0x1f && data[1] == 0x8b {
			// gzip input: only no panic, and a sane account.
			if sk.Total() < 0 || int64(len(recs)) != d.Records() {
				t.Fatalf("records %d, Records() %d, skipped %+v", len(recs), d.Records(), sk)
			}
			return
		}
		if sk.UnreadableFiles != 0 || sk.NonLogObjects != 0 || d.Err() != nil {
			t.Fatalf("plain bytes: skipped %+v, err %v", sk, d.Err())
		}
		text := bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
		var want []refResult
		var malformed, other int64
		for _, l := range bytes.Split(text, []byte("\n")) {
			if len(bytes.Trim(l, " \t\r\n")) == 0 {
				continue
			}
			r := refDecodeLine(l)
			switch r.reason {
			case "":
				want = append(want, r)
			case SkipMalformedLine:
				malformed++
			case SkipOtherRecord:
				other++
			}
		}
		if int64(len(recs))+sk.MalformedLines+sk.OtherRecords != int64(len(want))+malformed+other {
			t.Fatalf("records %d + skips %d do not account for the %d non-blank lines", len(recs), sk.Total(), int64(len(want))+malformed+other)
		}
		if len(recs) != len(want) || sk.MalformedLines != malformed || sk.OtherRecords != other {
			t.Fatalf("got %d records, %d malformed, %d other; reference %d, %d, %d; samples %v",
				len(recs), sk.MalformedLines, sk.OtherRecords, len(want), malformed, other, sk.Samples)
		}
		for i := range recs {
			compareRecord(t, "record", recs[i], want[i])
		}
		// The same bytes gzipped decode the same.
		zrecs, zd := decodeAll(bytes.NewReader(gzipBytes(t, data)), "fuzz")
		zsk := zd.Skipped()
		if len(zrecs) != len(recs) || zsk.MalformedLines != sk.MalformedLines || zsk.OtherRecords != sk.OtherRecords || zsk.UnreadableFiles != 0 {
			t.Fatalf("gzipped: %d records, skipped %+v; plain: %d records, skipped %+v", len(zrecs), zsk, len(recs), sk)
		}
		for i := range zrecs {
			if !recordEqual(zrecs[i], recs[i]) {
				t.Fatalf("gzipped record %d differs:\n%+v\n%+v", i, zrecs[i], recs[i])
			}
		}
	})
}

// FuzzParseARN checks ParseARN never panics and that what it returns is read from the ARN.
func FuzzParseARN(f *testing.F) {
	for _, s := range []string{
		"arn:aws:sts::111122223333:assumed-role/ChatbotApp-BedrockRole/session-17",
		"arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_Admin_0123456789abcdef/jane@example.com",
		"arn:aws:iam::111122223333:user/division/team/MobileApp",
		"arn:aws:sts::111122223333:federated-user/Bob",
		"arn:aws:iam::111122223333:root",
		"arn:aws-us-gov:iam::1:role/a/b/AWSReservedSSO_X_1",
		"arn:aws-cn:lambda:cn-north-1:1:function:x",
		"<redacted>", "", "arn:", "arn::::::",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, arn string) {
		c := ParseARN(arn)
		if c.Raw != arn {
			t.Fatalf("Raw got %q, want %q", c.Raw, arn)
		}
		switch c.Kind {
		case CallerUnknown:
			if c != (Caller{Raw: arn, Kind: CallerUnknown}) {
				t.Fatalf("unknown caller with fields: %+v", c)
			}
			if c.Principal() != arn {
				t.Fatalf("unknown principal got %q, want the raw text", c.Principal())
			}
			return
		case CallerAssumedRole, CallerIdentityCenter, CallerIAMUser, CallerFederatedUser, CallerRoot, CallerIAMRole, CallerOther:
		default:
			t.Fatalf("kind %q", c.Kind)
		}
		if !strings.HasPrefix(arn, "arn:"+c.Partition+":") || c.Partition == "" {
			t.Fatalf("partition %q not read from %q", c.Partition, arn)
		}
		if !strings.Contains(arn, ":"+c.Account+":") {
			t.Fatalf("account %q not in %q", c.Account, arn)
		}
		switch c.Kind {
		case CallerAssumedRole:
			if c.Role == "" || !strings.HasSuffix(arn, ":assumed-role/"+c.Role+"/"+c.Session) {
				t.Fatalf("assumed role %+v does not rebuild %q", c, arn)
			}
		case CallerIAMUser:
			if c.Name == "" || !strings.HasSuffix(arn, ":user"+c.Path+c.Name) {
				t.Fatalf("user %+v does not rebuild %q", c, arn)
			}
		case CallerIdentityCenter:
			if !strings.HasPrefix(c.Role, "AWSReservedSSO_"+c.PermissionSet) {
				t.Fatalf("identity center %+v", c)
			}
		}
		if c.Kind != CallerOther && c.Principal() == "" && c.Kind != CallerIdentityCenter {
			t.Fatalf("%s caller with an empty principal: %+v", c.Kind, c)
		}
	})
}

// FuzzParseModelID checks ParseModelID never panics and that Base and Prefix are read from
// the id.
func FuzzParseModelID(f *testing.F) {
	for _, s := range []string{
		"anthropic.claude-3-haiku-20240307-v1:0", "us.anthropic.claude-haiku-4-5-20251001-v1:0",
		"us-gov.x", "global.y", "arn:aws:bedrock:us-east-1:1:inference-profile/eu.z",
		"arn:aws:bedrock:us-east-1::foundation-model/a.b", "arn:aws:bedrock:us-east-1:1:application-inference-profile/q",
		"arn:aws:bedrock:us-east-1:1:provisioned-model/p", "arn:aws", "", ".", "us.",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		m := ParseModelID(id)
		if m.Raw != id {
			t.Fatalf("Raw got %q, want %q", m.Raw, id)
		}
		if !strings.HasSuffix(id, m.Base) {
			t.Fatalf("Base %q is not the end of %q", m.Base, id)
		}
		if m.Prefix != "" && !strings.HasSuffix(id, m.Prefix+"."+m.Base) {
			t.Fatalf("Prefix %q and Base %q are not the end of %q", m.Prefix, m.Base, id)
		}
		switch m.Kind {
		case ModelBare:
			if m.Base != id || m.Prefix != "" {
				t.Fatalf("bare %+v", m)
			}
		case ModelProfile:
			if m.Prefix+"."+m.Base != id {
				t.Fatalf("profile %+v", m)
			}
		case ModelProfileARN, ModelFoundationARN, ModelAppProfileARN, ModelOtherARN:
			if !strings.HasPrefix(id, "arn:") {
				t.Fatalf("%s without arn: %q", m.Kind, id)
			}
		default:
			t.Fatalf("kind %q", m.Kind)
		}
		if b := BaseModelID(id); b == "" && id != "" {
			t.Fatalf("BaseModelID(%q) is empty", id)
		}
	})
}

// FuzzParseLocation checks ParseLocation never panics and that a parsed key rebuilds from
// its parts.
func FuzzParseLocation(f *testing.F) {
	for _, s := range []string{
		"us-east-1/AWSLogs/891377031307/BedrockModelInvocationLogs/us-east-1/2024/11/20/16/20241120T164851056Z_9b86bf4994c4ab1c.json.gz",
		"AWSLogs/1/BedrockModelInvocationLogs/r/2024/02/29/23/data/x_input.json.gz",
		`C:\l\AWSLogs\1\BedrockModelInvocationLogs\r\2024\02\29\23\x.json`,
		"AWSLogs/AWSLogs/1/BedrockModelInvocationLogs/r/2024/02/30/23/x", "", "AWSLogs/",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, key string) {
		loc, ok := ParseLocation(key)
		_ = IsLogFile(key)
		_ = IsBodyObject(key)
		if !ok {
			if loc != (Location{}) {
				t.Fatalf("not ok but %+v", loc)
			}
			return
		}
		norm := strings.ReplaceAll(key, "\\", "/")
		hp := HourPrefix(loc.Prefix, loc.Account, loc.Region, loc.Hour)
		if !strings.HasPrefix(norm, hp) {
			t.Fatalf("%q does not start with its hour prefix %q", norm, hp)
		}
		if loc.Hour.Location() != time.UTC || !loc.Hour.Equal(loc.Hour.Truncate(time.Hour)) {
			t.Fatalf("hour %v", loc.Hour)
		}
		if loc.Name == "" || loc.Account == "" || loc.Region == "" {
			t.Fatalf("empty part: %+v", loc)
		}
		if loc.Body != IsBodyObject(key) {
			t.Fatalf("Body %v, IsBodyObject %v", loc.Body, IsBodyObject(key))
		}
		rebuilt := hp + loc.Name
		if loc.Body {
			rebuilt = hp + "data/" + loc.Name
		}
		if again, ok := ParseLocation(rebuilt); !ok || again != loc {
			t.Fatalf("rebuilt %q parses to %+v %v, want %+v", rebuilt, again, ok, loc)
		}
	})
}
