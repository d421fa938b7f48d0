-- wrk script: one confirmed card payment per request, as the online shop sends it.
wrk.method = "POST"
wrk.body = "amount=1000&currency=usd&payment_method=pm_card_visa&confirm=true"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("VTPE_BENCH_KEY")
