package athena

import (
	"testing"
)

func TestZZProbe(t *testing.T) {
	root := t.TempDir()
	writeLogs(t, root, []logFile{{region: "us-east-1", hour: mustTime(t, "2025-11-01T03:00:00Z"), name: "bad.json.gz", lines: []string{
		`{"schemaType":"ModelInvocationLog","timestamp":`,
		`{"schemaType":"SomethingElse","timestamp":"2025-11-01T03:05:00Z","accountId":"111122223333","region":"eu-central-1","input":{"inputTokenCount":999999}}`,
		`{"timestamp":"2025-11-01T03:06:00Z","accountId":"111122223333","region":"eu-central-1","input":{"inputTokenCount":999999}}`,
	}}})
	d := newDuckExecutor(t, root)
	files, _, _ := d.regionFiles("us-east-1")
	rows, err := d.db.Query(`SELECT "schemaType", "timestamp", "accountId" FROM read_json([` + sqlString(files[0]) + `], format = 'newline_delimited', compression = 'gzip', columns = ` + d.columns + `, filename = true, ignore_errors = true)`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var a, b, c any
		rows.Scan(&a, &b, &c)
		t.Logf("%v | %v | %v", a, b, c)
	}
}
