"""The FastAPI application: factory, routers, deployer and error mapping."""
