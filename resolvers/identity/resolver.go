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
	"github.com/citizengraph/citizengraph/subgraphs/practices"
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
	srv := gqlserver.New(NewSchema(svc), opts.Around(func(ctx context.Context) context.Context {
		// The gateway's client request, for the access log.
		if graphql.HasOperationContext(ctx) {
			if h := graphql.GetOperationContext(ctx).Headers; h != nil {
				ctx = identity.WithRequest(ctx, h.Get(identity.RequestHeader), svc.Now())
			}
		}
		return svc.WithLoaders(ctx, opts.LoaderWait)
	}))
	srv.AroundFields(guardPersonalData(svc))
	gqlserver.RepresentationMistakes(srv, opts, identitygql.ErrTypeNotFound, identitygql.ErrUnknownType)
	return srv
}

// NewHandler builds the store and service on pool and returns the HTTP
// handler of the identity subgraph.
func NewHandler(pool *pgxpool.Pool, opts gqlserver.Options) http.Handler {
	return NewServer(identity.NewService(identity.NewStore(pool), identity.WithPracticeLinks(practices.NewStore(pool))), opts)
}

// personalFields are the fields of Person that only the person, a delegate
// (messages), administrators and operators of a comune the person has a
// practice with may read (identity.Service.CheckPersonalData), each with
// its group. The other fields — id, names and organizations — are public.
var personalFields = map[string]string{
	"fiscalCode": identity.GroupProfile, "birthDate": identity.GroupProfile, "birthplace": identity.GroupProfile,
	"sex": identity.GroupProfile, "registry": identity.GroupProfile, "residence": identity.GroupProfile,
	"email": identity.GroupProfile, "phone": identity.GroupProfile, "notificationPreferences": identity.GroupProfile,
	"delegationsGiven": identity.GroupDelegations, "delegationsReceived": identity.GroupDelegations,
	"messages": identity.GroupMessages,
}

// guardPersonalData answers null with an UNAUTHENTICATED or FORBIDDEN error
// for a personal field of a Person the caller may not read, wherever the
// person appears in the response.
func guardPersonalData(svc *identity.Service) graphql.FieldMiddleware {
	return func(ctx context.Context, next graphql.Resolver) (any, error) {
		fc := graphql.GetFieldContext(ctx)
		if fc == nil || fc.Object != "Person" || fc.Field.Field == nil || fc.Parent == nil {
			return next(ctx)
		}
		group, personal := personalFields[fc.Field.Name]
		if !personal {
			return next(ctx)
		}
		p := personOf(fc.Parent.Result)
		if p == nil {
			return next(ctx)
		}
		fiscalCode := ""
		if p.FiscalCode != nil {
			fiscalCode = *p.FiscalCode
		}
		ctx = identity.WithAccessVia(ctx, accessVia(fc))
		if err := svc.CheckPersonalData(ctx, group, &identity.Person{ID: p.ID, FiscalCode: fiscalCode}); err != nil {
			return nil, err
		}
		return next(ctx)
	}
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
