package shipping

//go:generate go run ./gqlgenschema schema.graphqls gqlgen/schema.graphqls
//go:generate go run github.com/99designs/gqlgen generate --config gqlgen.yml
