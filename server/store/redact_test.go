package store

import "testing"

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://sg:s3cret@db.example.org/sessionguard": "postgres://sg:xxxxx@db.example.org/sessionguard",
		"postgres://sg@db.example.org/sessionguard":        "postgres://sg@db.example.org/sessionguard",
		"host=db user=sg password=s3cret dbname=sg":        "host=db user=sg password=xxxxx dbname=sg",
		"host=db password='a b' dbname=sg":                 "host=db password=xxxxx dbname=sg",
		"sqlite:/var/lib/sessionguard-server/sg.db":        "sqlite:/var/lib/sessionguard-server/sg.db",
		// The password in the query, which pgx reads too.
		"postgres://nouser@127.0.0.1:5432/nodb?password=QueryS3cret":                 "postgres://nouser@127.0.0.1:5432/nodb?password=xxxxx",
		"postgres://sg:s3cret@db/sg?sslmode=require&Password=Q2&application_name=sg": "postgres://sg:xxxxx@db/sg?sslmode=require&Password=xxxxx&application_name=sg",
		"postgresql:///sg?host=/run/postgresql&password=Q3":                          "postgresql:///sg?host=/run/postgresql&password=xxxxx",
	} {
		if got := Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}
