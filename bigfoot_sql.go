package bigfoot

import "github.com/bigfoot-go/bigfoot/bfsql"

// SQL returns the verifier's SQL plugin, created on first use: a
// database/sql driver whose connections are answered from the sessions
// scripted with NewSession().Expect, one session per connection.
// bf.SQL().Open(dsn) is a *sql.DB over it; under bigfoot test, every
// *sql.DB takes its connections inside the sandbox from it once the test
// has used it.
func (bf *StrictVerifier) SQL() *bfsql.Plugin { return bfsql.For(bf.v) }
