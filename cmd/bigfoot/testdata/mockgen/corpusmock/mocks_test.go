package corpusmock_test

import (
	"context"
	"errors"
	"go/parser"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"example.com/mockcorpus/corpus"
	"example.com/mockcorpus/corpusmock"
	"github.com/bigfoot-go/bigfoot"
	"github.com/bigfoot-go/bigfoot/bftest"
	"github.com/bigfoot-go/bigfoot/mock"
)

// names is code under test: it depends on a corpus.Store.
func names(ctx context.Context, s corpus.Store, ids ...corpus.ID) ([]string, error) {
	var out []string
	for _, id := range ids {
		u, err := s.Get(ctx, id)
		if err != nil {
			return out, err
		}
		out = append(out, u.Name)
	}
	return out, nil
}

func TestStore(t *testing.T) {
	bf := bigfoot.New(t)
	store := corpusmock.NewMockStore(bf)
	ctx := context.Background()
	after := time.Date(2025, time.March, 1, 0, 0, 0, 0, time.UTC)
	store.ExpectGetMatch(bigfoot.Any(), corpus.ID("u1")).Returns(&corpus.User{ID: "u1", Name: "ada"}, nil)
	store.ExpectGetMatch(bigfoot.Any(), "u2").Raises(errors.New("gone")) // an untyped constant fits corpus.ID
	store.ExpectPut(ctx, corpus.User{ID: "u3", Name: "cy"}).Returns(nil)
	store.ExpectList(ctx, 10, after).Returns([]corpus.User{{ID: "u1"}}, nil)
	store.ExpectCount().Returns(3)

	var got []string
	var err error
	var n int
	bf.Sandbox(func() {
		got, err = names(ctx, store, "u1", "u2")
		if e := store.Put(ctx, corpus.User{ID: "u3", Name: "cy"}); e != nil {
			t.Errorf("Put: %v", e)
		}
		if us, e := store.List(ctx, 10, after); e != nil || len(us) != 1 {
			t.Errorf("List = %v, %v", us, e)
		}
		n = store.Count()
	})
	if len(got) != 1 || got[0] != "ada" || err == nil || err.Error() != "gone" || n != 3 {
		t.Fatalf("got %v, %v, %d", got, err, n)
	}
	store.AssertGet(ctx, "u1")
	store.AssertGetMatch(bigfoot.Any(), corpus.ID("u2"))
	store.AssertPut(ctx, corpus.User{ID: "u3", Name: "cy"})
	store.AssertListMatch(bigfoot.Any(), 10, after)
	store.AssertCount()
}

func TestLoggerVariadic(t *testing.T) {
	bf := bigfoot.New(t)
	log := corpusmock.NewMockLogger(bf)
	log.ExpectLogf("%d users in %s", 2, "eu")
	log.ExpectLogfMatch("%s", bigfoot.Any())
	log.ExpectLogf("plain")
	log.ExpectWrite([]byte("abc")).Returns(3, nil)
	log.ExpectTags().Returns(true)
	log.ExpectTags("a", "b").Returns(false)

	bf.Sandbox(func() {
		log.Logf("%d users in %s", 2, "eu")
		log.Logf("%s", struct{ X int }{1})
		log.Logf("plain")
		buf := []byte("abc")
		if n, err := log.Write(buf); n != 3 || err != nil {
			t.Errorf("Write = %d, %v", n, err)
		}
		copy(buf, "xyz") // io.Writer: the mock must have kept its own copy
		if !log.Tags() || log.Tags("a", "b") {
			t.Error("Tags answered wrongly")
		}
	})
	log.AssertLogf("%d users in %s", 2, "eu")
	log.AssertLogfMatch("%s", bigfoot.Any())
	log.AssertLogf("plain")
	log.AssertWrite([]byte("abc"))
	log.AssertTags()
	log.AssertTagsMatch("a", bigfoot.HasPrefix("b"))
}

func TestRepoGeneric(t *testing.T) {
	bf := bigfoot.New(t)
	repo := corpusmock.NewMockRepo[string, *corpus.User](bf)
	var r corpus.Repo[string, *corpus.User] = repo
	ada := &corpus.User{ID: "u1", Name: "ada"}
	repo.ExpectLoad("u1").Returns(ada, true)
	repo.ExpectLoad("u9").Returns(nil, false)
	repo.ExpectSave("u2", &corpus.User{Name: "bo"}).Raises(errors.New("full"))
	repo.ExpectKeys().Returns([]string{"u1"})

	bf.Sandbox(func() {
		if u, ok := r.Load("u1"); !ok || u != ada {
			t.Errorf("Load(u1) = %v, %v", u, ok)
		}
		if _, ok := r.Load("u9"); ok {
			t.Error("Load(u9) found something")
		}
		if err := r.Save("u2", &corpus.User{Name: "bo"}); err == nil || err.Error() != "full" {
			t.Errorf("Save = %v", err)
		}
		if ks := r.Keys(); len(ks) != 1 {
			t.Errorf("Keys = %v", ks)
		}
	})
	repo.AssertLoad("u1")
	repo.AssertLoad("u9")
	repo.AssertSave("u2", &corpus.User{Name: "bo"}) // pointers compare by what they point to
	repo.AssertKeys()
}

func TestReadStoreEmbedded(t *testing.T) {
	bf := bigfoot.New(t)
	rs := corpusmock.NewMockReadStore(bf)
	var _ corpus.Getter = rs
	rs.ExpectPingMatch(bigfoot.Any()).Returns(nil)
	rs.ExpectGetMatch(bigfoot.Any(), "u1").Returns(&corpus.User{Name: "ada"}, nil)
	rs.ExpectClose().Returns(nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	bf.Sandbox(func() {
		if err := rs.Ping(ctx); err != nil {
			t.Error(err)
		}
		if _, err := names(ctx, storeOf{rs}, "u1"); err != nil {
			t.Error(err)
		}
		rs.Close()
	})
	rs.AssertPingMatch(bigfoot.Not(bigfoot.Eq(nil)))
	rs.AssertGetMatch(bigfoot.Any(), corpus.ID("u1"))
	rs.AssertClose()
}

// storeOf adapts a Getter to a Store for names; only Get is used.
type storeOf struct{ corpus.Getter }

func (storeOf) Put(context.Context, corpus.User) error { panic("unused") }
func (storeOf) List(context.Context, int, time.Time) ([]corpus.User, error) {
	panic("unused")
}
func (storeOf) Count() int { panic("unused") }

func TestTricky(t *testing.T) {
	bf := bigfoot.New(t)
	tr := corpusmock.NewMockTricky(bf)
	tr.ExpectDo("m", "k", "c", 1, true, nil).Returns(7, nil)
	tr.ExpectUnnamed(1, "x").Returns("y", nil)
	tr.ExpectNoResults()
	tr.ExpectFuncMatch(bigfoot.Any(), bigfoot.Any(), map[string][]int{"a": {1}}).Returns(func() error { return nil })
	tr.ExpectServeMatch(bigfoot.Any(), bigfoot.Satisfies("a GET", func(r *http.Request) bool { return r.Method == "GET" })).
		Does(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) })

	rec := httptest.NewRecorder()
	bf.Sandbox(func() {
		if a, err := tr.Do("m", "k", "c", 1, true, nil); a != 7 || err != nil {
			t.Errorf("Do = %d, %v", a, err)
		}
		if s, _ := tr.Unnamed(1, "x"); s != "y" {
			t.Errorf("Unnamed = %q", s)
		}
		tr.NoResults()
		if f := tr.Func(func(int) error { return nil }, make(chan string), map[string][]int{"a": {1}}); f == nil || f() != nil {
			t.Error("Func answered wrongly")
		}
		tr.Serve(rec, httptest.NewRequest("GET", "/x", nil))
	})
	if rec.Code != 204 {
		t.Errorf("Serve wrote %d", rec.Code)
	}
	tr.AssertDo("m", "k", "c", 1, true, nil)
	tr.AssertUnnamed(1, "x")
	tr.AssertNoResults()
	tr.AssertFuncMatch(bigfoot.Any(), bigfoot.Any(), map[string][]int{"a": {1}})
	tr.AssertServeMatch(bigfoot.Any(), bigfoot.Satisfies("/x", func(r *http.Request) bool { return r.URL.Path == "/x" }))
}

func TestGoroutinesInAnyOrder(t *testing.T) {
	bf := bigfoot.New(t)
	store := corpusmock.NewMockStore(bf)
	ids := []corpus.ID{"a", "b", "c", "d", "e", "f", "g", "h"}
	for _, id := range ids {
		store.ExpectGetMatch(bigfoot.Any(), id).Returns(&corpus.User{ID: id}, nil)
	}
	bf.Sandbox(func() {
		var wg sync.WaitGroup
		for _, id := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if u, err := store.Get(context.Background(), id); err != nil || u.ID != id {
					t.Errorf("Get(%s) = %v, %v", id, u, err)
				}
			}()
		}
		wg.Wait()
	})
	bf.InAnyOrder(func() {
		for i := len(ids) - 1; i >= 0; i-- {
			store.AssertGet(context.Background(), ids[i])
		}
	})
}

func parses(t *testing.T, hint string) {
	t.Helper()
	if _, err := parser.ParseExpr(hint); err != nil {
		t.Errorf("hint does not parse: %v\n%s", err, hint)
	}
}

func lineAfter(s, prefix string) string {
	i := strings.Index(s, prefix)
	if i < 0 {
		return ""
	}
	rest := s[i+len(prefix):]
	if j := strings.IndexByte(rest, '\n'); j >= 0 {
		rest = rest[:j]
	}
	return strings.TrimSpace(rest)
}

func TestFailuresNameTheTestsVariables(t *testing.T) {
	ft := bftest.New(t)
	var callErr error
	ft.Run(func() {
		bf := bigfoot.New(ft)
		users := corpusmock.NewMockStore(bf)
		users.ExpectGetMatch(bigfoot.Any(), "u1").Returns(&corpus.User{Name: "ada"}, nil)
		users.ExpectPut(context.Background(), corpus.User{ID: "u7"}).Returns(nil) // never used
		bf.Sandbox(func() {
			users.Get(context.Background(), "u1")
			_, callErr = users.Get(context.Background(), "u2") // unscripted: the code drops the error
		})
	})
	var unmocked *bigfoot.UnmockedInteractionError
	if !errors.As(callErr, &unmocked) {
		t.Fatalf("unscripted call returned %v", callErr)
	}
	all := ft.All()
	for _, want := range []string{
		`unmocked mock call "corpus.Store.Get": corpus.Store.Get(context.Background(), "u2")`,
		`users.ExpectGet(context.Background(), "u2").Returns(nil, nil)`,
		"mocks_test.go:",
		`users.AssertGet(context.Background(), "u1")`,
		`users.ExpectPut(context.Background(), corpus.User{ID: "u7"}) registered at`,
	} {
		if !strings.Contains(all, want) {
			t.Errorf("failure lacks %q:\n%s", want, all)
		}
	}
	parses(t, lineAfter(all, "fix: assert them after the sandbox, in this order:\n"))
}

func TestMismatchShowsFieldDiff(t *testing.T) {
	ft := bftest.New(t)
	ft.Run(func() {
		bf := bigfoot.New(ft)
		store := corpusmock.NewMockStore(bf)
		store.ExpectPutMatch(bigfoot.Any(), bigfoot.Any()).Returns(nil)
		bf.Sandbox(func() { store.Put(context.Background(), corpus.User{ID: "u1", Name: "bob", Tags: []string{"x"}}) })
		store.AssertPut(context.Background(), corpus.User{ID: "u1", Name: "ada", Tags: []string{"x"}})
	})
	all := ft.All()
	for _, want := range []string{
		`expected: corpus.Store.Put(context.Background(), corpus.User{ID: "u1", Name: "ada", Tags: []string{"x"}})`,
		`actual:   #1 mock corpus.Store.Put(context.Background(), corpus.User{ID: "u1", Name: "bob", Tags: []string{"x"}})`,
		`u (corpus.User), differing in .Name (first difference at byte 0):`,
		`- "ada"`, `+ "bob"`,
		`store.AssertPut(context.Background(), corpus.User{ID: "u1", Name: "bob", Tags: []string{"x"}})`,
	} {
		if !strings.Contains(all, want) {
			t.Errorf("failure lacks %q:\n%s", want, all)
		}
	}
	parses(t, lineAfter(all, "fix:\n"))
}

func TestMatchFormChecksTypes(t *testing.T) {
	ft := bftest.New(t)
	ft.Run(func() {
		bf := bigfoot.New(ft)
		store := corpusmock.NewMockStore(bf)
		store.ExpectListMatch(bigfoot.Any(), "ten", bigfoot.Any())
	})
	all := ft.All()
	for _, want := range []string{
		`corpus.Store.List: ExpectListMatch's argument 2 (limit int) is a string ("ten"); want a int`,
		`signature: func(ctx context.Context, limit int, after time.Time) ([]corpus.User, error)`,
		`store.ExpectListMatch(bigfoot.Any(), 0, time.Time{})`,
	} {
		if !strings.Contains(all, want) {
			t.Errorf("failure lacks %q:\n%s", want, all)
		}
	}
}

func TestSourceOfForAssertInteraction(t *testing.T) {
	bf := bigfoot.New(t)
	store := corpusmock.NewMockStore(bf)
	store.ExpectCount().Returns(1)
	bf.Sandbox(func() { store.Count() })
	if err := bf.AssertInteraction(mock.SourceOf(store, "Count"), bigfoot.Fields{}); err != nil {
		t.Fatal(err)
	}
}
