"""The saved provider configurations: the store, their forms and what every door does with
them (service). Pages, the JSON API and the command line all go through here."""
