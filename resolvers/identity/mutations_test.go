package identity_test

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/citizengraph/citizengraph/internal/auth"
	"github.com/citizengraph/citizengraph/internal/devdb"
)

const messagesQuery = `query($first: Int, $after: String, $unread: Boolean) { me {
	messages(first: $first, after: $after, unreadOnly: $unread) {
		totalCount pageInfo { hasNextPage endCursor }
		edges { cursor node { id createdAt readAt subject practice { id } recipient { id } } }
		nodes { id }
	} } }`

// pageAll walks every page of person i's messages with the given page size.
func pageAll(t *testing.T, e *env, i, size int, unread bool) (ids []string, created []string, total int) {
	t.Helper()
	var after any
	for pages := 0; ; pages++ {
		if pages > 20 {
			t.Fatal("pagination does not end")
		}
		r := e.do(t, e.citizen(i), messagesQuery, map[string]any{"first": size, "after": after, "unread": unread})
		if len(r.Errors) > 0 {
			t.Fatalf("messages: %v", r.Errors)
		}
		conn := get(r.Data, "me", "messages")
		total = int(get(conn, "totalCount").(float64))
		edges, _ := get(conn, "edges").([]any)
		nodes, _ := get(conn, "nodes").([]any)
		if len(edges) != len(nodes) || len(edges) > size {
			t.Fatalf("page of %d edges, %d nodes (size %d)", len(edges), len(nodes), size)
		}
		for k, ed := range edges {
			ids = append(ids, get(ed, "node", "id").(string))
			created = append(created, get(ed, "node", "createdAt").(string))
			if get(ed, "node", "recipient", "id") != e.plan.PersonID(i) {
				t.Errorf("recipient %v", get(ed, "node", "recipient"))
			}
			if get(nodes[k], "id") != get(ed, "node", "id") {
				t.Errorf("nodes and edges disagree at %d", k)
			}
			if unread && get(ed, "node", "readAt") != nil {
				t.Errorf("unreadOnly returned a read message")
			}
		}
		if len(edges) > 0 && get(conn, "pageInfo", "endCursor") != get(edges[len(edges)-1], "cursor") {
			t.Errorf("endCursor is not the last edge's cursor")
		}
		if get(conn, "pageInfo", "hasNextPage") != true {
			return ids, created, total
		}
		after = get(conn, "pageInfo", "endCursor")
	}
}

func TestMessagesPagination(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	// A person with at least five messages, some read and some unread.
	var person int = -1
	for i := 0; i < e.plan.People && person < 0; i++ {
		var all, unread int
		if err := e.pool.QueryRow(ctx, `select count(*), count(*) filter (where read_at is null) from identity.message where recipient_id = $1`,
			e.plan.PersonID(i)).Scan(&all, &unread); err != nil {
			t.Fatal(err)
		}
		if all >= 5 && unread >= 1 && unread < all {
			person = i
		}
	}
	if person < 0 {
		t.Fatal("no person with a mix of read and unread messages in the seed")
	}
	// Give two messages the same timestamp so the id tie-breaker matters.
	if _, err := e.pool.Exec(ctx, `update identity.message set created_at = '2025-05-05T10:00:00Z'
		where id in (select id from identity.message where recipient_id = $1 order by id limit 2)`, e.plan.PersonID(person)); err != nil {
		t.Fatal(err)
	}
	full, fullCreated, total := pageAll(t, e, person, 100, false)
	if total != len(full) {
		t.Fatalf("totalCount %d, listed %d", total, len(full))
	}
	if !slices.IsSortedFunc(fullCreated, func(a, b string) int { return -compareTime(t, a, b) }) {
		t.Errorf("not newest first: %v", fullCreated)
	}
	for _, size := range []int{1, 2, 3} {
		ids, _, tot := pageAll(t, e, person, size, false)
		if !slices.Equal(ids, full) || tot != total {
			t.Errorf("page size %d: %v, want %v", size, ids, full)
		}
	}
	unreadIDs, _, unreadTotal := pageAll(t, e, person, 2, true)
	var want int
	if err := e.pool.QueryRow(ctx, `select count(*) from identity.message where recipient_id = $1 and read_at is null`,
		e.plan.PersonID(person)).Scan(&want); err != nil {
		t.Fatal(err)
	}
	if len(unreadIDs) != want || unreadTotal != want {
		t.Errorf("unread: %d listed, total %d, want %d", len(unreadIDs), unreadTotal, want)
	}

	for _, bad := range []map[string]any{{"first": 0}, {"first": 101}, {"first": 5, "after": "%%%"},
		{"first": 5, "after": "bm90LWEtY3Vyc29y"}} {
		r := e.do(t, e.citizen(person), messagesQuery, bad)
		if !slices.Equal(r.codes(), []string{"BAD_USER_INPUT"}) || get(r.Data, "me", "id") != nil && get(r.Data, "me", "messages") != nil {
			t.Errorf("%v: errors %v", bad, r.Errors)
		}
	}
}

func compareTime(t *testing.T, a, b string) int {
	ta, err := time.Parse(time.RFC3339Nano, a)
	if err != nil {
		t.Fatal(err)
	}
	tb, err := time.Parse(time.RFC3339Nano, b)
	if err != nil {
		t.Fatal(err)
	}
	return ta.Compare(tb)
}

func TestMessagesOfManyPeopleAreBatched(t *testing.T) {
	pool, qc := devdb.NewCountingTestDB(t, migration())
	e := newEnv(t, pool, countingWait)
	var reps []any
	for i := 0; i < 30; i++ {
		reps = append(reps, map[string]any{"__typename": "Person", "id": e.plan.PersonID(i)})
	}
	qc.Reset()
	r := e.do(t, &auth.Principal{FirstParty: true, Subject: "admin", Roles: []string{auth.RoleAdmin}},
		`query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Person { id messages(first: 2) { totalCount nodes { id } } organizations { id } } } }`,
		map[string]any{"reps": reps})
	if len(r.Errors) > 0 {
		t.Fatal(r.Errors)
	}
	for i := 0; i < 30; i++ {
		if n := get(r.Data, "_entities", i, "messages", "totalCount"); n == nil || n.(float64) < 2 {
			t.Errorf("person %d: totalCount %v", i, n)
		}
	}
	// people + message pages + message counts + organizations + the
	// admin's accesses, in one access-log statement.
	if n := qc.Count(); n != 5 {
		t.Errorf("%d queries, want 5: %q", n, qc.Queries())
	}
}

// TestMessagesCountedOnlyWhenSelected: without totalCount a page of
// messages for many people costs the page query alone, with the same nodes.
func TestMessagesCountedOnlyWhenSelected(t *testing.T) {
	pool, qc := devdb.NewCountingTestDB(t, migration())
	e := newEnv(t, pool, countingWait)
	var reps []any
	for i := 0; i < 30; i++ {
		reps = append(reps, map[string]any{"__typename": "Person", "id": e.plan.PersonID(i)})
	}
	admin := &auth.Principal{FirstParty: true, Subject: "admin", Roles: []string{auth.RoleAdmin}}
	var nodes []any
	for _, c := range []struct {
		sel     string
		queries int
	}{
		{`messages(first: 2) { nodes { id subject } }`, 3},            // people + access log + pages
		{`messages(first: 2) { totalCount nodes { id subject } }`, 4}, // people + access log + pages + counts
	} {
		qc.Reset()
		r := e.do(t, admin, `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Person { `+c.sel+` } } }`,
			map[string]any{"reps": reps})
		if len(r.Errors) > 0 {
			t.Fatal(r.Errors)
		}
		if n := qc.Count(); n != c.queries {
			t.Errorf("%s: %d queries, want %d: %q", c.sel, n, c.queries, qc.Queries())
		}
		var got []any
		for i := 0; i < 30; i++ {
			got = append(got, get(r.Data, "_entities", i, "messages", "nodes"))
		}
		if nodes == nil {
			nodes = got
		} else if !reflect.DeepEqual(got, nodes) {
			t.Errorf("%s: nodes differ", c.sel)
		}
	}
	if len(nodes) != 30 || nodes[0] == nil || len(nodes[0].([]any)) == 0 {
		t.Fatalf("no messages: %v", nodes)
	}
}

const markRead = `mutation($id: ID!) { markMessageRead(id: $id) { id readAt recipient { id } } }`

func TestMarkMessageRead(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	var id string
	var recipient int = -1
	for i := 0; i < e.plan.People && recipient < 0; i++ {
		err := e.pool.QueryRow(ctx, `select id::text from identity.message where recipient_id = $1 and read_at is null limit 1`, e.plan.PersonID(i)).Scan(&id)
		if err == nil {
			recipient = i
		}
	}
	if recipient < 0 {
		t.Fatal("no unread message in the seed")
	}
	vars := map[string]any{"id": id}
	if r := e.do(t, nil, markRead, vars); !slices.Equal(r.codes(), []string{"UNAUTHENTICATED"}) {
		t.Errorf("anonymous: %v", r.Errors)
	}
	if r := e.do(t, e.citizen(recipient+1), markRead, vars); !slices.Equal(r.codes(), []string{"NOT_FOUND"}) {
		t.Errorf("another person: %v", r.Errors)
	}
	if r := e.do(t, &auth.Principal{FirstParty: true, Subject: "admin", FiscalCode: e.person(recipient + 2).FiscalCode, Roles: []string{auth.RoleAdmin}}, markRead, vars); !slices.Equal(r.codes(), []string{"NOT_FOUND"}) {
		t.Errorf("admin who is not the recipient: %v", r.Errors)
	}
	var readAt *time.Time
	if err := e.pool.QueryRow(ctx, `select read_at from identity.message where id = $1`, id).Scan(&readAt); err != nil || readAt != nil {
		t.Fatalf("refused calls changed readAt: %v %v", readAt, err)
	}
	r := e.do(t, e.citizen(recipient), markRead, vars)
	first, _ := get(r.Data, "markMessageRead", "readAt").(string)
	if len(r.Errors) > 0 || first == "" || get(r.Data, "markMessageRead", "recipient", "id") != e.plan.PersonID(recipient) {
		t.Fatalf("recipient: %v %v", r.Data, r.Errors)
	}
	time.Sleep(5 * time.Millisecond)
	r = e.do(t, e.citizen(recipient), markRead, vars)
	if get(r.Data, "markMessageRead", "readAt") != first {
		t.Errorf("second call changed readAt: %v, want %s", get(r.Data, "markMessageRead", "readAt"), first)
	}
	if r := e.do(t, e.citizen(recipient), markRead, map[string]any{"id": uuid.NewString()}); !slices.Equal(r.codes(), []string{"NOT_FOUND"}) {
		t.Errorf("unknown message: %v", r.Errors)
	}
	if r := e.do(t, e.citizen(recipient), markRead, map[string]any{"id": "nope"}); !slices.Equal(r.codes(), []string{"NOT_FOUND"}) {
		t.Errorf("malformed id: %v", r.Errors)
	}
}

const grant = `mutation($in: GrantDelegationInput!) { grantDelegation(input: $in) {
	id status services validFrom validTo revokedAt
	delegate { id } delegator { __typename ... on Person { id } ... on Organization { id } } } }`
const revoke = `mutation($id: ID!) { revokeDelegation(id: $id) { id status revokedAt } }`

func TestDelegations(t *testing.T) {
	e := newTestEnv(t)
	if _, err := e.pool.Exec(context.Background(), `truncate identity.delegation`); err != nil {
		t.Fatal(err)
	}
	const a, b, c = 41, 42, 43
	in := map[string]any{"delegateFiscalCode": e.person(b).FiscalCode, "services": []string{"svc-1", "svc-1", "svc-2"}}
	r := e.do(t, e.citizen(a), grant, map[string]any{"in": in})
	if len(r.Errors) > 0 {
		t.Fatalf("grant: %v", r.Errors)
	}
	d := get(r.Data, "grantDelegation")
	id, _ := get(d, "id").(string)
	if get(d, "status") != "ACTIVE" || get(d, "delegate", "id") != e.plan.PersonID(b) ||
		get(d, "delegator", "__typename") != "Person" || get(d, "delegator", "id") != e.plan.PersonID(a) ||
		fmt.Sprint(get(d, "services")) != "[svc-1 svc-2]" {
		t.Errorf("granted: %v", d)
	}
	// Both parties see it; a third person does not.
	const lists = `{ me { delegationsGiven { id } delegationsReceived { id } } }`
	if r := e.do(t, e.citizen(a), lists, nil); get(r.Data, "me", "delegationsGiven", 0, "id") != id {
		t.Errorf("delegator's list: %v", r.Data)
	}
	if r := e.do(t, e.citizen(b), lists, nil); get(r.Data, "me", "delegationsReceived", 0, "id") != id {
		t.Errorf("delegate's list: %v", r.Data)
	}
	r = e.do(t, e.citizen(c), `query($id: ID!) { person(id: $id) { delegationsGiven { id } } }`, map[string]any{"id": e.plan.PersonID(a)})
	if !slices.Equal(r.codes(), []string{"FORBIDDEN"}) {
		t.Errorf("third person: %v", r.Errors)
	}

	bad := []struct {
		name string
		who  *auth.Principal
		in   map[string]any
		code string
	}{
		{"overlapping", e.citizen(a), map[string]any{"delegateFiscalCode": e.person(b).FiscalCode}, "CONFLICT"},
		{"to oneself", e.citizen(a), map[string]any{"delegateFiscalCode": e.person(a).FiscalCode}, "BAD_USER_INPUT"},
		{"malformed fiscal code", e.citizen(a), map[string]any{"delegateFiscalCode": "ABC"}, "BAD_USER_INPUT"},
		{"unknown delegate", e.citizen(a), map[string]any{"delegateFiscalCode": "ZZZZZZ00A01F205X"}, "NOT_FOUND"},
		{"validTo before validFrom", e.citizen(a), map[string]any{"delegateFiscalCode": e.person(c).FiscalCode,
			"validFrom": time.Now().Add(time.Hour).Format(time.RFC3339), "validTo": time.Now().Format(time.RFC3339)}, "BAD_USER_INPUT"},
		{"in the past", e.citizen(a), map[string]any{"delegateFiscalCode": e.person(c).FiscalCode,
			"validFrom": "2020-01-01T00:00:00Z"}, "BAD_USER_INPUT"},
		{"empty service id", e.citizen(a), map[string]any{"delegateFiscalCode": e.person(c).FiscalCode, "services": []string{" "}}, "BAD_USER_INPUT"},
		{"anonymous", nil, map[string]any{"delegateFiscalCode": e.person(c).FiscalCode}, "UNAUTHENTICATED"},
		{"for someone else's organization", e.citizen(a), map[string]any{"delegateFiscalCode": e.person(c).FiscalCode,
			"organizationId": e.plan.OrganizationID(0)}, "FORBIDDEN"},
		{"unknown organization", e.citizen(a), map[string]any{"delegateFiscalCode": e.person(c).FiscalCode,
			"organizationId": uuid.NewString()}, "NOT_FOUND"},
	}
	for _, tc := range bad {
		if r := e.do(t, tc.who, grant, map[string]any{"in": tc.in}); !slices.Equal(r.codes(), []string{tc.code}) {
			t.Errorf("%s: %v, want %s", tc.name, r.Errors, tc.code)
		}
	}

	// A scheduled delegation to another person does not overlap.
	r = e.do(t, e.citizen(a), grant, map[string]any{"in": map[string]any{"delegateFiscalCode": e.person(c).FiscalCode,
		"validFrom": time.Now().Add(48 * time.Hour).Format(time.RFC3339)}})
	if get(r.Data, "grantDelegation", "status") != "SCHEDULED" {
		t.Errorf("scheduled: %v %v", r.Data, r.Errors)
	}

	// Only the delegator revokes; revoking twice keeps the first time.
	if r := e.do(t, e.citizen(b), revoke, map[string]any{"id": id}); !slices.Equal(r.codes(), []string{"FORBIDDEN"}) {
		t.Errorf("delegate revoking: %v", r.Errors)
	}
	r = e.do(t, e.citizen(a), revoke, map[string]any{"id": id})
	revokedAt := get(r.Data, "revokeDelegation", "revokedAt")
	if get(r.Data, "revokeDelegation", "status") != "REVOKED" || revokedAt == nil {
		t.Fatalf("revoke: %v %v", r.Data, r.Errors)
	}
	r = e.do(t, e.citizen(a), revoke, map[string]any{"id": id})
	if get(r.Data, "revokeDelegation", "revokedAt") != revokedAt {
		t.Errorf("second revoke: %v %v", r.Data, r.Errors)
	}
	if r := e.do(t, e.citizen(a), revoke, map[string]any{"id": uuid.NewString()}); !slices.Equal(r.codes(), []string{"NOT_FOUND"}) {
		t.Errorf("unknown delegation: %v", r.Errors)
	}
	// Once revoked, the same parties may be linked again.
	if r := e.do(t, e.citizen(a), grant, map[string]any{"in": in}); len(r.Errors) > 0 {
		t.Errorf("re-grant after revoke: %v", r.Errors)
	}

	// An expired delegation cannot be revoked.
	var expired string
	if err := e.pool.QueryRow(context.Background(), `insert into identity.delegation
		(id, delegator_person_id, delegate_id, valid_from, valid_to) values ($1, $2, $3, '2024-01-01', '2024-02-01') returning id::text`,
		uuid.NewString(), e.plan.PersonID(a), e.plan.PersonID(c+1)).Scan(&expired); err != nil {
		t.Fatal(err)
	}
	if r := e.do(t, e.citizen(a), revoke, map[string]any{"id": expired}); !slices.Equal(r.codes(), []string{"ILLEGAL_TRANSITION"}) {
		t.Errorf("expired: %v", r.Errors)
	}
}

func TestOrganizationDelegations(t *testing.T) {
	e := newTestEnv(t)
	if _, err := e.pool.Exec(context.Background(), `truncate identity.delegation`); err != nil {
		t.Fatal(err)
	}
	org := e.plan.OrganizationID(1)
	rep := e.plan.OrganizationRepresentative(1)
	const delegate = 50
	r := e.do(t, e.citizen(rep), grant, map[string]any{"in": map[string]any{
		"delegateFiscalCode": e.person(delegate).FiscalCode, "organizationId": org}})
	if len(r.Errors) > 0 || get(r.Data, "grantDelegation", "delegator", "__typename") != "Organization" ||
		get(r.Data, "grantDelegation", "delegator", "id") != org {
		t.Fatalf("grant for organization: %v %v", r.Data, r.Errors)
	}
	id := get(r.Data, "grantDelegation", "id")
	const list = `query($id: ID!) { organization(id: $id) { delegations { id delegate { id } } } }`
	if r := e.do(t, e.citizen(rep), list, map[string]any{"id": org}); get(r.Data, "organization", "delegations", 0, "id") != id {
		t.Errorf("representative's view: %v %v", r.Data, r.Errors)
	}
	if r := e.do(t, e.citizen(delegate), list, map[string]any{"id": org}); !slices.Equal(r.codes(), []string{"FORBIDDEN"}) {
		t.Errorf("delegate's view of the organization: %v", r.Errors)
	}
	if r := e.do(t, e.citizen(delegate), revoke, map[string]any{"id": id}); !slices.Equal(r.codes(), []string{"FORBIDDEN"}) {
		t.Errorf("delegate revoking: %v", r.Errors)
	}
	if r := e.do(t, e.citizen(rep), revoke, map[string]any{"id": id}); get(r.Data, "revokeDelegation", "status") != "REVOKED" {
		t.Errorf("representative revoking: %v %v", r.Data, r.Errors)
	}
}

const updateContacts = `mutation($in: UpdateContactsInput!) { updateContacts(input: $in) { email phone } }`
const updatePrefs = `mutation($in: NotificationPreferencesInput!) { updateNotificationPreferences(input: $in) { notificationPreferences { email sms io language } } }`

func TestContactsAndPreferences(t *testing.T) {
	e := newTestEnv(t)
	const i = 7
	who := e.citizen(i)
	for _, email := range []string{"no-at-sign", "a@b", "two@@example.it", "Name <x@example.it>", "x@example..it", "spaces in@example.it", "x@.example.it"} {
		if r := e.do(t, who, updateContacts, map[string]any{"in": map[string]any{"email": email}}); !slices.Equal(r.codes(), []string{"BAD_USER_INPUT"}) {
			t.Errorf("email %q: %v", email, r.Errors)
		}
	}
	for _, phone := range []string{"3331234567", "+39", "+39 abc 1234567", "+0 333 1234567", "+39 333 1234567 8901234"} {
		if r := e.do(t, who, updateContacts, map[string]any{"in": map[string]any{"phone": phone}}); !slices.Equal(r.codes(), []string{"BAD_USER_INPUT"}) {
			t.Errorf("phone %q: %v", phone, r.Errors)
		}
	}
	r := e.do(t, who, updateContacts, map[string]any{"in": map[string]any{"email": " mario.rossi@comune.milano.it ", "phone": "+39 02 884 51234"}})
	if len(r.Errors) > 0 || get(r.Data, "updateContacts", "email") != "mario.rossi@comune.milano.it" ||
		get(r.Data, "updateContacts", "phone") != "+390288451234" {
		t.Errorf("valid contacts: %v %v", r.Data, r.Errors)
	}
	// Omitting a field leaves it unchanged.
	r = e.do(t, who, updateContacts, map[string]any{"in": map[string]any{"phone": "+41 44 668 18 00"}})
	if get(r.Data, "updateContacts", "email") != "mario.rossi@comune.milano.it" || get(r.Data, "updateContacts", "phone") != "+41446681800" {
		t.Errorf("partial update: %v %v", r.Data, r.Errors)
	}
	if r := e.do(t, nil, updateContacts, map[string]any{"in": map[string]any{"email": "a@example.it"}}); !slices.Equal(r.codes(), []string{"UNAUTHENTICATED"}) {
		t.Errorf("anonymous: %v", r.Errors)
	}

	prefs := func(email, sms bool, lang string) map[string]any {
		return map[string]any{"in": map[string]any{"email": email, "sms": sms, "io": true, "language": lang}}
	}
	if r := e.do(t, who, updatePrefs, prefs(true, false, "xx")); !slices.Equal(r.codes(), []string{"BAD_USER_INPUT"}) {
		t.Errorf("bad language: %v", r.Errors)
	}
	r = e.do(t, who, updatePrefs, prefs(true, true, "EN"))
	if len(r.Errors) > 0 || fmt.Sprint(get(r.Data, "updateNotificationPreferences", "notificationPreferences")) != "map[email:true io:true language:en sms:true]" {
		t.Errorf("preferences: %v %v", r.Data, r.Errors)
	}
	// SMS notices are on: the phone cannot be removed; once off, it can.
	if r := e.do(t, who, updateContacts, map[string]any{"in": map[string]any{"phone": ""}}); !slices.Equal(r.codes(), []string{"BAD_USER_INPUT"}) {
		t.Errorf("removing the phone with SMS on: %v", r.Errors)
	}
	e.do(t, who, updatePrefs, prefs(true, false, "it"))
	r = e.do(t, who, updateContacts, map[string]any{"in": map[string]any{"phone": ""}})
	if len(r.Errors) > 0 || get(r.Data, "updateContacts", "phone") != nil {
		t.Errorf("removing the phone: %v %v", r.Data, r.Errors)
	}
	if r := e.do(t, who, updatePrefs, prefs(true, true, "it")); !slices.Equal(r.codes(), []string{"BAD_USER_INPUT"}) {
		t.Errorf("SMS without a phone: %v", r.Errors)
	}
}
