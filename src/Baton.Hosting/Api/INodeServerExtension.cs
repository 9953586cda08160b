using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Baton.Hosting.Api;

/// <summary>
/// Something served beside the node's API by the same server (the dashboard): it adds services before the server
/// is built and endpoints after the API's, behind the same authentication and authorization.
/// </summary>
public interface INodeServerExtension
{
    void ConfigureServices(IServiceCollection services);

    void Map(WebApplication app, NodeServerState state);
}
