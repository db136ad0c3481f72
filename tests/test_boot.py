def test_home_redirects_anonymous_to_sign_in(tenant, portal_client):
    response = portal_client(tenant=tenant).get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
