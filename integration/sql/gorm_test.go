package sqlclients

import (
	"context"
	"testing"

	"github.com/bigfoot-go/bigfoot"
	"github.com/bigfoot-go/bigfoot/bfsql"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Order and Item are gorm models.
type Order struct {
	ID       uint `gorm:"primaryKey"`
	Customer string
	Total    int64
}

type Item struct {
	ID      uint `gorm:"primaryKey"`
	OrderID uint
	SKU     string
}

// placeOrder is a repository function on gorm: the order and its items in
// one transaction.
func placeOrder(ctx context.Context, db *gorm.DB, customer string, skus []string) (Order, error) {
	o := Order{Customer: customer, Total: int64(len(skus)) * 100}
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&o).Error; err != nil {
			return err
		}
		for _, sku := range skus {
			if err := tx.Create(&Item{OrderID: o.ID, SKU: sku}).Error; err != nil {
				return err
			}
		}
		return nil
	})
	return o, err
}

func openGorm(t *testing.T, bf *bigfoot.StrictVerifier) *gorm.DB {
	t.Helper()
	db, err := gorm.Open(postgres.New(postgres.Config{Conn: bf.SQL().Open(pgDSN)}), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func TestGormRepositoryWithATransaction(t *testing.T) {
	bf := bigfoot.New(t)
	bf.SQL().NewSession().
		Expect("connect", nil). // gorm.Open pings the pool
		Expect("begin", nil).
		Expect("query", bfsql.Rows{Columns: []string{"id"}, Values: [][]any{{41}}}).
		Expect("query", bfsql.Rows{Columns: []string{"id"}, Values: [][]any{{1}}}).
		Expect("query", bfsql.Rows{Columns: []string{"id"}, Values: [][]any{{2}}}).
		Expect("commit", nil).
		Expect("query", bfsql.Rows{Columns: []string{"id", "customer", "total"}, Values: [][]any{{41, "acme", 200}}}).
		Expect("close", nil)

	var o, found Order
	var err error
	bf.Sandbox(func() {
		db := openGorm(t, bf)
		o, err = placeOrder(context.Background(), db, "acme", []string{"bolt", "nut"})
		if err == nil {
			err = db.First(&found, o.ID).Error
		}
	})

	if err != nil || o.ID != 41 || found != (Order{ID: 41, Customer: "acme", Total: 200}) {
		t.Fatalf("placeOrder = %+v, found %+v, %v", o, found, err)
	}
	bf.SQL().AssertConnect(pgDSN)
	bf.SQL().AssertBegin()
	bf.SQL().AssertQuery(`INSERT INTO "orders" ("customer","total") VALUES ($1,$2) RETURNING "id"`, "acme", 200)
	bf.SQL().AssertQuery(`INSERT INTO "items" ("order_id","sku") VALUES ($1,$2) RETURNING "id"`, 41, "bolt")
	bf.SQL().AssertQuery(`INSERT INTO "items" ("order_id","sku") VALUES ($1,$2) RETURNING "id"`, 41, "nut")
	bf.SQL().AssertCommit()
	bf.SQL().AssertQuery(`SELECT * FROM "orders" WHERE "orders"."id" = $1 ORDER BY "orders"."id" LIMIT $2`, 41, 1)
	bf.SQL().AssertClose()
}

// A failed insert rolls gorm's transaction back.
func TestGormRollsBackOnAFailedInsert(t *testing.T) {
	bf := bigfoot.New(t)
	dup := &uniqueViolation{Constraint: "items_sku_key"}
	bf.SQL().NewSession().
		Expect("connect", nil).
		Expect("begin", nil).
		Expect("query", bfsql.Rows{Columns: []string{"id"}, Values: [][]any{{42}}}).
		Expect("query", nil, bigfoot.Raises(dup)).
		Expect("rollback", nil).
		Expect("close", nil)

	var err error
	bf.Sandbox(func() {
		_, err = placeOrder(context.Background(), openGorm(t, bf), "acme", []string{"bolt"})
	})

	if err != dup {
		t.Fatalf("placeOrder = %v, want the scripted unique violation", err)
	}
	bf.SQL().AssertConnect(pgDSN)
	bf.SQL().AssertBegin()
	bf.SQL().AssertQuery(`INSERT INTO "orders" ("customer","total") VALUES ($1,$2) RETURNING "id"`, "acme", 100)
	bf.SQL().AssertQuery(`INSERT INTO "items" ("order_id","sku") VALUES ($1,$2) RETURNING "id"`, 42, "bolt")
	bf.SQL().AssertRollback()
	bf.SQL().AssertClose()
}

// uniqueViolation stands for the error a Postgres driver returns.
type uniqueViolation struct{ Constraint string }

func (e *uniqueViolation) Error() string {
	return `duplicate key value violates unique constraint "` + e.Constraint + `"`
}
