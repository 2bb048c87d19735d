def test_world_builds_and_each_role_signs_in(world, client):
    response = client.login("admin.a")
    assert response.status_code == 302
    home = client.get("/")
    assert "Trường THCS Thử A" in home.get_data(as_text=True)
