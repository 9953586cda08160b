using Baton.Client;
using Baton.Core.Errors;
using Microsoft.AspNetCore.Http;

namespace Baton.Hosting.Api;

/// <summary>How the read endpoints answer what the query layer refuses: problem details with a stable type.</summary>
internal static class ReadResults
{
    /// <summary>
    /// The handler's result; a damaged store is a 500, a <see cref="NotFoundException"/> a 404, other bad input a 400,
    /// each as RFC 9457 problem details.
    /// </summary>
    public static async Task<IResult> GuardAsync(Func<Task<IResult>> handler)
    {
        try
        {
            return await handler().ConfigureAwait(false);
        }
        catch (StoreDamagedException ex)
        {
            return Problem(StatusCodes.Status500InternalServerError, ApiProblems.StoreDamaged, ex.Message);
        }
        catch (NotFoundException ex)
        {
            return Problem(StatusCodes.Status404NotFound, ApiProblems.NotFound, ex.Message);
        }
        catch (BatonInputException ex)
        {
            return Problem(StatusCodes.Status400BadRequest, ApiProblems.Input, ex.Message);
        }
    }

    public static IResult NotFound(string detail) => Problem(StatusCodes.Status404NotFound, ApiProblems.NotFound, detail);

    public static IResult Problem(int status, string type, string detail) =>
        Results.Problem(detail: detail, statusCode: status, type: type, title: detail);
}
