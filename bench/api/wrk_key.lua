-- wrk script: send the API key from $I23D_API_KEY with every request.
wrk.headers["x-api-key"] = os.getenv("I23D_API_KEY")
