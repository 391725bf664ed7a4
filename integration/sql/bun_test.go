package sqlclients

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/bigfoot-go/bigfoot"
	"github.com/bigfoot-go/bigfoot/bfsql"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// Ticket is a bun model.
type Ticket struct {
	bun.BaseModel `bun:"table:tickets"`

	ID       int64     `bun:"id,pk,autoincrement"`
	Title    string    `bun:"title"`
	Status   string    `bun:"status"`
	Assignee string    `bun:"assignee"`
	Created  time.Time `bun:"created"`
}

// openAndAssign is a repository function on bun: open a ticket and assign
// it, in one transaction.
func openAndAssign(ctx context.Context, db *bun.DB, title, assignee string, at time.Time) (Ticket, error) {
	t := Ticket{Title: title, Status: "open", Created: at}
	err := db.RunInTx(ctx, &sql.TxOptions{}, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(&t).Column("title", "status", "created").Returning("id").Exec(ctx); err != nil {
			return err
		}
		t.Assignee = assignee
		_, err := tx.NewUpdate().Model(&t).Column("assignee").WherePK().Exec(ctx)
		return err
	})
	return t, err
}

func TestBunRepositoryWithATransaction(t *testing.T) {
	bf := bigfoot.New(t)
	db := bun.NewDB(bf.SQL().Open(pgDSN), pgdialect.New())
	at := time.Date(2025, time.March, 4, 5, 6, 7, 0, time.UTC)
	bf.SQL().NewSession().
		Expect("connect", nil).
		Expect("begin", nil).
		Expect("query", bfsql.Rows{Columns: []string{"id"}, Values: [][]any{{17}}}).
		Expect("exec", bfsql.Result{RowsAffected: 1}).
		Expect("commit", nil).
		Expect("query", bfsql.Rows{Columns: []string{"id", "title", "status", "assignee", "created"},
			Values: [][]any{{17, "printer on fire", "open", "ada", at}}}).
		Expect("close", nil)

	var tk, got Ticket
	var err error
	bf.Sandbox(func() {
		ctx := context.Background()
		tk, err = openAndAssign(ctx, db, "printer on fire", "ada", at)
		if err == nil {
			err = db.NewSelect().Model(&got).Where("id = ?", tk.ID).Scan(ctx)
		}
	})

	if err != nil || tk.ID != 17 || got.Assignee != "ada" || !got.Created.Equal(at) {
		t.Fatalf("openAndAssign = %+v, select %+v, %v", tk, got, err)
	}
	bf.SQL().AssertConnect(pgDSN)
	bf.SQL().AssertBegin()
	bf.SQL().AssertQuery(`INSERT INTO "tickets" ("title", "status", "created") VALUES ('printer on fire', 'open', '2025-03-04 05:06:07+00:00') RETURNING id`)
	bf.SQL().AssertExec(`UPDATE "tickets" AS "ticket" SET "assignee" = 'ada' WHERE ("ticket"."id" = 17)`)
	bf.SQL().AssertCommit()
	bf.SQL().AssertQuery(`SELECT "ticket"."id", "ticket"."title", "ticket"."status", "ticket"."assignee", "ticket"."created" FROM "tickets" AS "ticket" WHERE (id = 17)`)
	bf.SQL().AssertClose()
}
