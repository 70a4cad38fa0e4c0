print("gtfs")
