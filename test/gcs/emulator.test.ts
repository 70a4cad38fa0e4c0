import { strict as assert } from "node:assert";
import { describeRequest } from "./emulator";

describe("the GCS emulator proxy's request log", () => {
    const name = (method: string, url: string) => describeRequest(method, new URL(url, "http://127.0.0.1:1"));

    it("names uploads, object calls and listings by bucket and object, decoded", () => {
        assert.equal(
            name("POST", "/upload/storage/v1/b/b-1/o?uploadType=multipart&name=dags%2Fa%20b.py"),
            "upload b-1/dags/a b.py",
        );
        assert.equal(name("POST", "/upload/storage/v1/b/b-1/o?uploadType=resumable"), "upload b-1/?");
        assert.equal(name("DELETE", "/storage/v1/b/b-1/o/dags%2Fx.py?generation=3"), "delete b-1/dags/x.py");
        assert.equal(name("GET", "/storage/v1/b/b-1/o/dags%2Fx.py"), "get b-1/dags/x.py");
        assert.equal(name("GET", "/storage/v1/b/b-1/o?prefix=dags%2F"), "list b-1/dags/*");
        assert.equal(name("GET", "/storage/v1/b/b-1/o"), "list b-1/*");
        assert.equal(name("POST", "/storage/v1/b?project=p"), "POST /storage/v1/b");
        assert.equal(name("POST", "/storage/v1/b/b-1/o"), "POST /storage/v1/b/b-1/o");
    });
});
