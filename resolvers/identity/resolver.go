package identity

import (
	"context"
	"net/http"
	"reflect"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/jackc/pgx/v5/pgxpool"

	identitygql "github.com/citizengraph/citizengraph/graph/identity"
	"github.com/citizengraph/citizengraph/internal/gqlserver"
	"github.com/citizengraph/citizengraph/subgraphs/identity"
)

// Resolver is the root resolver: the dependency-injection point.
type Resolver struct {
	svc *identity.Service
}

// NewSchema returns the executable schema of the identity subgraph on svc.
func NewSchema(svc *identity.Service) graphql.ExecutableSchema {
	return identitygql.NewExecutableSchema(identitygql.Config{Resolvers: &Resolver{svc: svc}})
}

// NewServer returns the gqlgen server of the identity subgraph: per-operation
// dataloaders and the personal-data guard installed.
func NewServer(svc *identity.Service, opts gqlserver.Options) *handler.Server {
	srv := gqlserver.New(NewSchema(svc), opts.Around(func(ctx context.Context) context.Context { return svc.WithLoaders(ctx, opts.LoaderWait) }))
	srv.AroundFields(guardPersonalData)
	return srv
}

// NewHandler builds the store and service on pool and returns the HTTP
// handler of the identity subgraph.
func NewHandler(pool *pgxpool.Pool, opts gqlserver.Options) http.Handler {
	return NewServer(identity.NewService(identity.NewStore(pool)), opts)
}

// personalFields are the fields of Person that only the person,
// administrators and operators of the comune of residence may read
// (identity.CheckPersonalData). The other fields — id, names and
// organizations — are public.
var personalFields = map[string]bool{
	"fiscalCode": true, "birthDate": true, "birthplace": true, "sex": true,
	"registry": true, "residence": true, "email": true, "phone": true,
	"notificationPreferences": true, "delegationsGiven": true,
	"delegationsReceived": true, "messages": true,
}

// guardPersonalData answers null with an UNAUTHENTICATED or FORBIDDEN error
// for a personal field of a Person the caller may not read, wherever the
// person appears in the response.
func guardPersonalData(ctx context.Context, next graphql.Resolver) (any, error) {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || fc.Object != "Person" || fc.Field.Field == nil || !personalFields[fc.Field.Name] || fc.Parent == nil {
		return next(ctx)
	}
	p := personOf(fc.Parent.Result)
	if p == nil {
		return next(ctx)
	}
	residence := ""
	if p.Residence != nil && p.Residence.Comune != nil {
		residence = p.Residence.Comune.IstatCode
	}
	fiscalCode := ""
	if p.FiscalCode != nil {
		fiscalCode = *p.FiscalCode
	}
	if err := identity.CheckPersonalData(ctx, fiscalCode, residence); err != nil {
		return nil, err
	}
	return next(ctx)
}

var personType = reflect.TypeFor[*identitygql.Person]()

// personOf finds the *Person behind a parent field's result: the result
// itself, a pointer to a list element, or an interface (union, _Entity)
// holding it.
func personOf(v any) *identitygql.Person {
	rv := reflect.ValueOf(v)
	for rv.IsValid() {
		if rv.Type() == personType {
			p, _ := rv.Interface().(*identitygql.Person)
			return p
		}
		switch rv.Kind() {
		case reflect.Pointer, reflect.Interface:
			if rv.IsNil() {
				return nil
			}
			rv = rv.Elem()
		default:
			return nil
		}
	}
	return nil
}
